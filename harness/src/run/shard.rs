//! Cutting a selection into shards for parallel CI jobs (`--shard I/N`), two ways: `modulo`
//! deals the selection's trials in turn (even shards, but adding a case moves the ones after
//! it), `hash` puts a trial in shard `fnv1a64(id) mod N + 1` (a case keeps its shard as the
//! suite grows, so a shard's history stays comparable; sizes are only even on average).

/// How trials are dealt to shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShardStrategy {
    /// The i-th selected trial goes to shard `i mod N + 1`.
    #[default]
    Modulo,
    /// A trial goes to shard `fnv1a64(trial id) mod N + 1`.
    Hash,
}

impl ShardStrategy {
    /// The name used on the command line and in `shard_check.strategy`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShardStrategy::Modulo => "modulo",
            ShardStrategy::Hash => "hash",
        }
    }
}

impl std::str::FromStr for ShardStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<ShardStrategy, String> {
        match s {
            "modulo" => Ok(ShardStrategy::Modulo),
            "hash" => Ok(ShardStrategy::Hash),
            _ => Err(format!(
                "unknown shard strategy `{s}`; expected `modulo` or `hash`"
            )),
        }
    }
}

/// `I/N`: run the I-th of N slices of the selection (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 1..=total.
    pub index: usize,
    /// How many slices.
    pub total: usize,
    /// How trials are dealt to slices.
    pub strategy: ShardStrategy,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let err = || format!("expected a shard `I/N` with 1 ≤ I ≤ N, found `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let (index, total): (usize, usize) =
            (i.parse().map_err(|_| err())?, n.parse().map_err(|_| err())?);
        if index == 0 || total == 0 || index > total {
            return Err(err());
        }
        Ok(Shard {
            index,
            total,
            strategy: ShardStrategy::Modulo,
        })
    }
}

/// FNV-1a, 64 bits: fixed by its definition, so a trial's shard never depends on the Rust
/// version or the platform (std's `DefaultHasher` promises neither).
pub fn fnv1a64(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Shard {
    /// Whether the `position`-th selected trial, named `id`, belongs to this shard.
    pub fn holds(&self, position: usize, id: &str) -> bool {
        let slot = match self.strategy {
            ShardStrategy::Modulo => position % self.total,
            ShardStrategy::Hash => (fnv1a64(id) % self.total as u64) as usize,
        };
        slot == self.index - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_the_published_function() {
        // Test vectors of the FNV reference (draft-eastlake-fnv).
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn every_trial_is_in_exactly_one_shard_either_way() {
        let ids: Vec<String> = (0..50).map(|i| format!("l/s/case-{i}")).collect();
        for strategy in [ShardStrategy::Modulo, ShardStrategy::Hash] {
            for (pos, id) in ids.iter().enumerate() {
                let holders = (1..=3)
                    .filter(|&index| {
                        Shard {
                            index,
                            total: 3,
                            strategy,
                        }
                        .holds(pos, id)
                    })
                    .count();
                assert_eq!(holders, 1, "{id} under {strategy:?}");
            }
        }
        // A hash shard does not depend on the position.
        let s = Shard {
            index: 2,
            total: 3,
            strategy: ShardStrategy::Hash,
        };
        assert_eq!(s.holds(0, "l/s/x"), s.holds(7, "l/s/x"));
    }
}
