//! The simulator's shared state: the world, the clock and every registry the platform APIs read
//! and write. One [`SimState`] is cloned into every handler; later features add their registries
//! as fields of [`SimShared`].

use std::ops::Deref;
use std::sync::Arc;

use serde::Serialize;

use crate::clock::SimClock;
use crate::directories::Directories;
use crate::faults::Faults;
use crate::identity::codes::IdentityRegistry;
use crate::push::Pusher;
use crate::rate_limit::RateLimiter;
use crate::stats::Stats;
use crate::suite::SuiteRegistry;
use crate::tokens::TokenRegistry;
use crate::world::World;

/// How the simulator behaves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimOptions {
    /// Lifetime of access tokens and tickets, in simulated seconds (platform value: 7200).
    pub token_ttl_secs: u64,
    /// Speed of the simulated clock relative to real time (1.0 = real time).
    pub clock_speed: f64,
    /// Multiplier for every rate limit (1.0 = the documented limits; 0 disables limiting).
    pub rate_limit_factor: f64,
    /// Seed for fault injection draws (reproducible runs); `None` seeds from the OS.
    pub fault_seed: Option<u64>,
    /// Simulated unix time at start (reproducible runs); `None` starts at the real time.
    pub start_unix: Option<i64>,
    /// Seconds between two suite_ticket pushes (platform value: 600).
    pub suite_ticket_interval_secs: u64,
    /// How long the callback worker waits for the gateway's answer, in ms (platform value: 5000).
    pub callback_timeout_ms: u64,
    /// Delivery attempts per callback before giving up (platform value: 3).
    pub callback_attempts: u32,
    /// Whether [`crate::start`] runs the callback delivery worker. Tests that inspect pushes
    /// through `state.pusher.take_queue()` turn it off.
    pub deliver_callbacks: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            token_ttl_secs: 7200,
            clock_speed: 1.0,
            rate_limit_factor: 1.0,
            fault_seed: None,
            start_unix: None,
            suite_ticket_interval_secs: 600,
            callback_timeout_ms: 5000,
            callback_attempts: 3,
            deliver_callbacks: true,
        }
    }
}

/// Everything the simulator holds; reached through [`SimState`] (`state.tokens`, `state.limits`…).
#[derive(Debug)]
pub struct SimShared {
    /// The platform-side configuration of every corp, app and account.
    pub world: World,
    /// The options the simulator was started with.
    pub options: SimOptions,
    /// Simulated time.
    pub clock: Arc<SimClock>,
    /// Issued tokens and tickets.
    pub tokens: TokenRegistry,
    /// Call counters for rate limits.
    pub limits: RateLimiter,
    /// Fault injection.
    pub faults: Faults,
    /// Call statistics.
    pub stats: Stats,
    /// The directory of every corp.
    pub directories: Directories,
    /// Callbacks queued for the gateway.
    pub pusher: Pusher,
    /// Login codes, user_tickets, sns tokens and session_keys.
    pub identity: IdentityRegistry,
    /// Every callback delivery and its attempts (the delivery worker writes it).
    pub deliveries: crate::push::record::DeliveryLog,
    /// Third-party suites: pushed tickets, pre-auth and auth codes, authorisations.
    pub suites: SuiteRegistry,
    /// Uploaded media (`media/upload`).
    pub media: crate::media::MediaStore,
    /// Sent messages, robot keys and recalls.
    pub messages: crate::messaging::MessageLog,
}

/// A cheap, cloneable handle on the simulator's state.
#[derive(Debug, Clone)]
pub struct SimState {
    inner: Arc<SimShared>,
}

impl SimState {
    /// State for `world` with `options`.
    ///
    /// # Panics
    /// If a corp's directory file cannot be loaded; [`SimState::try_new`] reports it instead.
    pub fn new(world: World, options: SimOptions) -> Self {
        match Self::try_new(world, options) {
            Ok(state) => state,
            Err(e) => panic!("{e}"),
        }
    }

    /// State for `world` with `options`, building every corp's directory.
    pub fn try_new(world: World, options: SimOptions) -> Result<Self, String> {
        let directories = Directories::build(&world)?;
        let clock = Arc::new(match options.start_unix {
            Some(start) => SimClock::starting_at(start, options.clock_speed),
            None => SimClock::new(options.clock_speed),
        });
        Ok(Self {
            inner: Arc::new(SimShared {
                directories,
                pusher: Pusher::default(),
                world,
                tokens: TokenRegistry::default(),
                limits: RateLimiter::new(options.rate_limit_factor, clock.clone()),
                faults: Faults::new(options.fault_seed),
                stats: Stats::default(),
                clock,
                options,
                identity: IdentityRegistry::default(),
                deliveries: Default::default(),
                suites: SuiteRegistry::default(),
                media: Default::default(),
                messages: Default::default(),
            }),
        })
    }

    /// Token and ticket lifetime in seconds.
    pub fn token_ttl(&self) -> i64 {
        i64::try_from(self.options.token_ttl_secs).unwrap_or(i64::MAX / 4)
    }

    /// Forgets tokens, statistics, rate-limit counters, faults, media and sent messages (the clock
    /// keeps running; directories and robot keys stay).
    pub fn reset(&self) {
        self.tokens.clear();
        self.stats.clear();
        self.limits.clear();
        self.faults.reset();
        self.identity.clear();
        self.suites.clear();
        self.media.clear();
        self.messages.clear();
    }
}

impl Deref for SimState {
    type Target = SimShared;

    fn deref(&self) -> &SimShared {
        &self.inner
    }
}

impl SimState {
    /// A handle that does not keep the simulator alive (background workers hold one, so that
    /// they stop once the server and every other handle are gone).
    pub fn downgrade(&self) -> WeakSimState {
        WeakSimState(Arc::downgrade(&self.inner))
    }
}

/// A [`SimState`] that does not keep the simulator alive; see [`SimState::downgrade`].
#[derive(Debug, Clone)]
pub struct WeakSimState(std::sync::Weak<SimShared>);

impl WeakSimState {
    /// The state, while the simulator still exists.
    pub fn upgrade(&self) -> Option<SimState> {
        self.0.upgrade().map(|inner| SimState { inner })
    }
}
