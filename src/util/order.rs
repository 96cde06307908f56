//! Ordering by integer keys with the `u64` sort the wasm module links anyway (the plan's
//! dedupe). Every other sort instantiation brings its own quicksort, heapsort and small-sort
//! copies into the module: measured (issue 15, tests/bench/README.md, "Fifth round"), the
//! samples' sort of `(row, index)` pairs and the report's sort of failed contacts by
//! `(segment, row)` were 3.1 KB gzip of the module together.

/// `items` in the order of `key`, items of equal keys in their order (stable), in
/// O(n log n): the keys are taken once per item and sorted, then each item goes to the next
/// free place of its key's run.
///
/// ```
/// use autopilot_export::util::order::by_key;
/// let words = vec!["pear", "fig", "apple", "kiwi"];
/// assert_eq!(by_key(words, |w| w.len() as u64), ["fig", "pear", "kiwi", "apple"]);
/// ```
pub fn by_key<T>(items: Vec<T>, key: impl Fn(&T) -> u64) -> Vec<T> {
    let item_keys: Vec<u64> = items.iter().map(key).collect();
    let mut keys = item_keys.clone();
    keys.sort_unstable();
    // `placed[i]`: how many items of the run starting at `i` are in place. `keys` holds each
    // item's key once, so every run has a place for each of its items.
    let mut placed = vec![0usize; keys.len()];
    let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(keys.len()).collect();
    for (item, k) in items.into_iter().zip(item_keys) {
        let start = keys.partition_point(|&x| x < k);
        if let Some(n) = placed.get_mut(start) {
            if let Some(slot) = out.get_mut(start + *n) {
                *slot = Some(item);
                *n += 1;
            }
        }
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::by_key;

    // proptest is a host-only dev-dependency (Cargo.toml).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn orders_as_a_stable_sort_does(
            items in proptest::collection::vec((0u64..20, proptest::num::u32::ANY), 0..200)
        ) {
            let mut expected = items.clone();
            expected.sort_by_key(|(k, _)| *k);
            proptest::prop_assert_eq!(by_key(items, |(k, _)| *k), expected);
        }
    }

    #[test]
    fn two_passes_give_the_order_of_pairs() {
        let pairs = [(1u32, 5u64), (0, 9), (1, 2), (0, 3), (2, 0), (0, 3)];
        let by_second = by_key(pairs.to_vec(), |p| p.1);
        let got = by_key(by_second, |p| u64::from(p.0));
        let mut expected = pairs.to_vec();
        expected.sort();
        assert_eq!(got, expected);
    }
}
