//! The unit tests' pseudo-random numbers: xorshift64 (Marsaglia, "Xorshift RNGs", 2003, the
//! 13/7/17 triple), seeded by each test so that every run draws the same inputs.

/// A xorshift64 generator; its state must not be 0.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    /// The next state, which is also the number drawn.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (`n` > 0; the modulo's bias does not matter to a test).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
