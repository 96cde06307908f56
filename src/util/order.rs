//! Ordering by integer keys with the one sort the wasm module keeps: `sort_unstable` of plain
//! `u64`s (the plan's dedupe links it anyway). Every other sort instantiation brings its own
//! quicksort, heapsort and small-sort copies into the module: measured (issue 15,
//! tests/bench/README.md), the samples' sort of `(row, index)` pairs and the report's sort of
//! failed contacts by `(segment, row)` were 4 KB gzip together.

/// `items` in the order of `key`, items of equal keys in their order (stable), in
/// O(n log n): the keys are sorted, then each item goes to the next free place of its key's
/// run. `items` is iterated twice.
///
/// ```
/// use autopilot_export::util::order::by_key;
/// let words = ["pear", "fig", "apple", "kiwi"];
/// assert_eq!(by_key(words.into_iter(), |w| w.len() as u64), ["fig", "pear", "kiwi", "apple"]);
/// ```
pub fn by_key<T, I>(items: I, key: impl Fn(&T) -> u64) -> Vec<T>
where
    I: Iterator<Item = T> + Clone,
{
    let mut keys: Vec<u64> = items.clone().map(|x| key(&x)).collect();
    keys.sort_unstable();
    // `placed[i]`: how many items of the run starting at `i` are in place.
    let mut placed = vec![0usize; keys.len()];
    let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(keys.len()).collect();
    for item in items {
        let start = keys.partition_point(|&k| k < key(&item));
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
            proptest::prop_assert_eq!(by_key(items.into_iter(), |(k, _)| *k), expected);
        }
    }

    #[test]
    fn two_passes_give_the_order_of_pairs() {
        let pairs = [(1u32, 5u64), (0, 9), (1, 2), (0, 3), (2, 0), (0, 3)];
        let by_second = by_key(pairs.into_iter(), |p| p.1);
        let got = by_key(by_second.into_iter(), |p| u64::from(p.0));
        let mut expected = pairs.to_vec();
        expected.sort();
        assert_eq!(got, expected);
    }
}
