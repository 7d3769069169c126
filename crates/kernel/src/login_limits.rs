//! Limits on login attempts, kept in memory for the life of the server process.
//!
//! Two keyed GCRA limiters (governor) are consulted before any password is hashed, so a flood
//! of attempts costs the server no argon2 work once a limit is reached:
//! - per client address: every attempt counts, whatever the username;
//! - per account and address: every attempt at one username from one address counts.
//!
//! Nothing is stored on the account itself: a stranger who exhausts the limit for a real
//! username from their address is refused, while the account's owner, from their own address,
//! still logs in. Unknown usernames are limited exactly like real ones, so the answers do not
//! tell which names exist.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::Duration;

/// Attempts one address may make at once, and how fast that allowance comes back.
pub const PER_ADDRESS_BURST: u32 = 60;
pub const PER_ADDRESS_PERIOD: Duration = Duration::from_secs(1);
/// Attempts at one account from one address at once, and how fast they come back.
pub const PER_ACCOUNT_BURST: u32 = 20;
pub const PER_ACCOUNT_PERIOD: Duration = Duration::from_secs(30);

/// The limiters of one server process (held as platform-lifetime state by [`crate::App`]).
pub struct LoginLimits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<(String, IpAddr)>,
    clock: DefaultClock,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_address: DefaultKeyedRateLimiter::keyed(quota(
                PER_ADDRESS_BURST,
                PER_ADDRESS_PERIOD,
            )),
            per_account: DefaultKeyedRateLimiter::keyed(quota(
                PER_ACCOUNT_BURST,
                PER_ACCOUNT_PERIOD,
            )),
            clock: DefaultClock::default(),
        }
    }
}

fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl LoginLimits {
    /// Admits one attempt at `username` from `address`, or tells how long to wait (whole
    /// seconds, at least one) before the next attempt may be made.
    pub fn admit(&self, address: Option<IpAddr>, username: &str) -> Result<(), u64> {
        let address = address.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let account = (username.trim().to_lowercase(), address);
        let now = self.clock.now();
        let wait = |not_until: governor::NotUntil<_>| {
            not_until.wait_time_from(now).as_secs().saturating_add(1)
        };
        self.per_address.check_key(&address).map_err(wait)?;
        self.per_account.check_key(&account).map_err(wait)?;
        Ok(())
    }

    /// Forgets keys whose allowance is whole again, so the maps do not grow without end.
    pub fn forget_idle(&self) {
        self.per_address.retain_recent();
        self.per_account.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
    }

    #[test]
    fn one_account_from_one_address_is_limited_but_not_from_another() {
        let limits = LoginLimits::default();
        for _ in 0..PER_ACCOUNT_BURST {
            assert!(limits.admit(addr(2), "handler").is_ok());
        }
        let wait = limits.admit(addr(2), " Handler ").unwrap_err();
        assert!((1..=PER_ACCOUNT_PERIOD.as_secs() + 1).contains(&wait));
        assert!(limits.admit(addr(1), "handler").is_ok());
    }

    #[test]
    fn one_address_is_limited_across_usernames() {
        let limits = LoginLimits::default();
        for i in 0..PER_ADDRESS_BURST {
            assert!(limits.admit(addr(3), &format!("user{i}")).is_ok());
        }
        assert!(limits.admit(addr(3), "someone-else").is_err());
        assert!(limits.admit(addr(4), "someone-else").is_ok());
    }
}
