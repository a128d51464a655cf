//! Simulated devices: [`Machine`], with every documented property of the Machine entity
//! (host name, platform and OS version, first and last seen, local, external and per-NIC IP
//! addresses, health, device group, risk, exposure, value, Entra ID join, tags), and the seeded
//! generator of a fleet.
//!
//! # How devices are made
//!
//! A device's properties are drawn from a generator seeded with its id, so the same id always
//! gives the same device, whichever way it was added ([`Machine::new`], the command line, the
//! configuration file). Times are kept as ages before the simulator's time zero
//! ([`Machine::first_seen_ago`], [`Machine::last_seen_ago`]) and written as timestamps of its
//! clock. A device added by hand is `Active`; its local IPv4 address is drawn from
//! 172.16.0.0/12 unless given ([`Machine::with_ip`]).
//!
//! A generated fleet ([`Config::machine_count`](crate::Config::machine_count), `--machines N`)
//! also draws each device's health (about 85% `Active`, 10% `Inactive`, the rest
//! `ImpairedCommunication` or `NoSensorData`), gives every device one or two tags from
//! [`TAGS`], a host name no other generated device has, and a local IPv4 address in
//! 10.0.0.0/8 that no other generated device has (MAC and IPv6 addresses are distinct too).
//! When it has at least [`AMBIGUOUS_FLEET_MIN`] devices and ambiguity is on
//! ([`crate::Config::ambiguous_devices`], the default), it also holds the two ambiguous cases
//! a responder meets when resolving a host name:
//!
//! - the last device is the old, `Inactive` record of the second one: the same fully
//!   qualified name and platform, last seen before the second device was first seen (a
//!   re-imaged device);
//! - the one before it is `Active` and has the third device's host name in another domain
//!   (`fabrikam.local` instead of `contoso.local`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use mde_machine_actions::models::MachineId;

/// The tags generated devices carry (one or two each). `Prod-Web` and `Prod-DB` share a
/// prefix, for lookups with `useStartsWithFilter=true`.
pub const TAGS: &[&str] =
    &["Finance", "HR", "Engineering", "VIP", "Kiosk", "Prod-Web", "Prod-DB", "Test"];

/// Smallest generated fleet that holds the ambiguous host names (see the module docs).
pub const AMBIGUOUS_FLEET_MIN: usize = 8;

/// The domain of generated host names.
pub const DOMAIN: &str = "contoso.local";

/// The other domain of the ambiguous fleet's same-name device.
pub const OTHER_DOMAIN: &str = "fabrikam.local";

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// The operating system of a simulated device, spelled as the Machine entity's `osPlatform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OsPlatform {
    /// `Windows11`
    Windows11,
    /// `Windows10`
    Windows10,
    /// `WindowsServer2022`
    WindowsServer2022,
    /// `WindowsServer2019`
    WindowsServer2019,
    /// `Linux`
    Linux,
    /// `macOS`
    MacOs,
}

impl OsPlatform {
    /// Every platform, in the order the default fleet cycles through them.
    pub const ALL: &'static [OsPlatform] = &[
        OsPlatform::Windows11,
        OsPlatform::Windows10,
        OsPlatform::WindowsServer2022,
        OsPlatform::Linux,
        OsPlatform::WindowsServer2019,
        OsPlatform::MacOs,
    ];

    /// The platform as the service spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OsPlatform::Windows11 => "Windows11",
            OsPlatform::Windows10 => "Windows10",
            OsPlatform::WindowsServer2022 => "WindowsServer2022",
            OsPlatform::WindowsServer2019 => "WindowsServer2019",
            OsPlatform::Linux => "Linux",
            OsPlatform::MacOs => "macOS",
        }
    }

    /// True for every Windows client and server.
    pub fn is_windows(self) -> bool {
        !matches!(self, OsPlatform::Linux | OsPlatform::MacOs)
    }

    /// True for Windows Server and Linux (the fleet's servers).
    pub fn is_server(self) -> bool {
        matches!(
            self,
            OsPlatform::WindowsServer2022 | OsPlatform::WindowsServer2019 | OsPlatform::Linux
        )
    }

    /// Parses the service's spelling, ignoring case.
    pub fn parse(text: &str) -> Option<OsPlatform> {
        OsPlatform::ALL.iter().copied().find(|p| p.as_str().eq_ignore_ascii_case(text))
    }

    fn host_prefix(self) -> &'static str {
        match self {
            OsPlatform::Windows11 | OsPlatform::Windows10 => "desktop",
            OsPlatform::WindowsServer2022 | OsPlatform::WindowsServer2019 => "srv",
            OsPlatform::Linux => "ubuntu",
            OsPlatform::MacOs => "macbook",
        }
    }

    /// `version` and `osBuild` choices, as the service reports them.
    fn versions(self) -> &'static [(&'static str, Option<u64>)] {
        match self {
            OsPlatform::Windows11 => &[("23H2", Some(22631)), ("24H2", Some(26100))],
            OsPlatform::Windows10 => &[("22H2", Some(19045)), ("21H2", Some(19044))],
            OsPlatform::WindowsServer2022 => &[("21H2", Some(20348))],
            OsPlatform::WindowsServer2019 => &[("1809", Some(17763))],
            OsPlatform::Linux => &[("22.04", None), ("24.04", None)],
            OsPlatform::MacOs => &[("14.6", None), ("15.1", None)],
        }
    }

    /// The device group of the platform: `(rbacGroupId, rbacGroupName)`.
    fn group(self) -> (u32, &'static str) {
        match self {
            OsPlatform::Windows11 | OsPlatform::Windows10 => (41, "Workstations"),
            OsPlatform::WindowsServer2022 | OsPlatform::WindowsServer2019 => {
                (42, "Windows Servers")
            }
            OsPlatform::Linux => (43, "Linux Servers"),
            OsPlatform::MacOs => (44, "Macs"),
        }
    }
}

impl fmt::Display for OsPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A device's `healthStatus`, with the documented values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HealthStatus {
    /// `Active`: reporting.
    Active,
    /// `Inactive`: has stopped reporting for over seven days.
    Inactive,
    /// `ImpairedCommunication`
    ImpairedCommunication,
    /// `NoSensorData`
    NoSensorData,
    /// `NoSensorDataImpairedCommunication`
    NoSensorDataImpairedCommunication,
    /// `Unknown`
    Unknown,
}

impl HealthStatus {
    /// Every documented value.
    pub const ALL: &'static [HealthStatus] = &[
        HealthStatus::Active,
        HealthStatus::Inactive,
        HealthStatus::ImpairedCommunication,
        HealthStatus::NoSensorData,
        HealthStatus::NoSensorDataImpairedCommunication,
        HealthStatus::Unknown,
    ];

    /// The value as the service spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Active => "Active",
            HealthStatus::Inactive => "Inactive",
            HealthStatus::ImpairedCommunication => "ImpairedCommunication",
            HealthStatus::NoSensorData => "NoSensorData",
            HealthStatus::NoSensorDataImpairedCommunication => "NoSensorDataImpairedCommunication",
            HealthStatus::Unknown => "Unknown",
        }
    }

    /// Parses the service's spelling, ignoring case.
    pub fn parse(text: &str) -> Option<HealthStatus> {
        HealthStatus::ALL.iter().copied().find(|h| h.as_str().eq_ignore_ascii_case(text))
    }

    /// How long before time zero a device in this state was last seen, drawn from `rng`:
    /// hours for `Active`, 8 to 25 days for `Inactive`, one to six days otherwise.
    fn last_seen_ago(self, rng: &mut fastrand::Rng) -> Duration {
        let seconds = match self {
            HealthStatus::Active => rng.u64(5 * 60..20 * HOUR),
            HealthStatus::Inactive => rng.u64(8 * DAY..25 * DAY),
            _ => rng.u64(DAY..6 * DAY),
        };
        Duration::from_secs(seconds)
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One entry of a device's `ipAddresses`: an address of one of its network adapters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpAddress {
    /// The address (IPv4 or IPv6).
    pub address: IpAddr,
    /// The adapter's MAC address: 12 upper-case hexadecimal digits, no separators.
    pub mac_address: String,
    /// `operationalStatus`: `Up` when true, `Down` otherwise.
    pub up: bool,
}

impl IpAddress {
    /// `operationalStatus` as the service spells it.
    pub fn operational_status(&self) -> &'static str {
        if self.up { "Up" } else { "Down" }
    }
}

/// A simulated device, with every documented property of the Machine entity.
///
/// `osProcessor` (`x64`), `osArchitecture` (`64-bit`) and `onboardingStatus` (`Onboarded`)
/// are the same for every device; `isAadJoined` is true when [`Machine::aad_device_id`] is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Its id: 40 lowercase hexadecimal characters for generated devices.
    pub id: MachineId,
    /// Its fully qualified host name (`computerDnsName`, also that of its actions).
    pub computer_dns_name: String,
    /// Its operating system, which decides the actions it supports.
    pub os_platform: OsPlatform,
    /// `version`: the OS version (`23H2`, `22.04`, ...).
    pub version: String,
    /// `osBuild`: the OS build number (Windows only).
    pub os_build: Option<u64>,
    /// How long before the simulator's time zero it was first seen (`firstSeen`).
    pub first_seen_ago: Duration,
    /// How long before the simulator's time zero its last full report came (`lastSeen`).
    pub last_seen_ago: Duration,
    /// `lastIpAddress`: the last address of its local adapter.
    pub last_ip_address: IpAddr,
    /// `lastExternalIpAddress`: the address it last reached the internet through.
    pub last_external_ip_address: IpAddr,
    /// `ipAddresses`: the addresses of its adapters (`lastIpAddress` among them).
    pub ip_addresses: Vec<IpAddress>,
    /// `healthStatus`.
    pub health_status: HealthStatus,
    /// `rbacGroupId`: its device group (0: none).
    pub rbac_group_id: u32,
    /// `rbacGroupName` (none when [`Machine::rbac_group_id`] is 0).
    pub rbac_group_name: Option<String>,
    /// `riskScore`: `None`, `Informational`, `Low`, `Medium` or `High`.
    pub risk_score: String,
    /// `exposureLevel`: `None`, `Low`, `Medium` or `High`.
    pub exposure_level: String,
    /// `deviceValue`: `Normal`, `Low` or `High`.
    pub device_value: String,
    /// `aadDeviceId`: its Microsoft Entra device id, when it is joined.
    pub aad_device_id: Option<String>,
    /// `machineTags`.
    pub machine_tags: Vec<String>,
}

impl Machine {
    /// A device with the given id, host name and platform; its other properties are drawn
    /// from a generator seeded with the id (see the module docs). It is `Active`.
    pub fn new(
        id: impl Into<MachineId>,
        computer_dns_name: impl Into<String>,
        os_platform: OsPlatform,
    ) -> Self {
        let id = id.into();
        let mut rng = fastrand::Rng::with_seed(seed_of(id.as_str()));
        let hash = rng.u32(..);
        let ip = Ipv4Addr::new(
            172,
            16 + (hash % 16) as u8,
            (hash >> 4) as u8,
            1 + ((hash >> 12) % 254) as u8,
        );
        let index = (hash >> 20) as usize;
        let mut machine = Machine {
            id,
            computer_dns_name: computer_dns_name.into(),
            os_platform,
            version: String::new(),
            os_build: None,
            first_seen_ago: Duration::ZERO,
            last_seen_ago: Duration::ZERO,
            last_ip_address: IpAddr::V4(ip),
            last_external_ip_address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            ip_addresses: Vec::new(),
            health_status: HealthStatus::Active,
            rbac_group_id: 0,
            rbac_group_name: None,
            risk_score: String::new(),
            exposure_level: String::new(),
            device_value: String::new(),
            aad_device_id: None,
            machine_tags: Vec::new(),
        };
        machine.draw(&mut rng, index);
        machine
    }

    /// A device with the host name the generator gives one on `os_platform`: a prefix for
    /// the platform and the id's first six characters (`desktop-a83c0c.contoso.local`).
    pub fn with_generated_name(id: impl Into<MachineId>, os_platform: OsPlatform) -> Self {
        let id = id.into();
        let host = generated_name(id.as_str(), os_platform);
        Self::new(id, host, os_platform)
    }

    /// Sets its local IPv4 or IPv6 address (`lastIpAddress`, and the first adapter's entry in
    /// `ipAddresses`).
    #[must_use]
    pub fn with_ip(mut self, address: IpAddr) -> Self {
        let old = self.last_ip_address;
        self.last_ip_address = address;
        match self.ip_addresses.iter_mut().find(|entry| entry.address == old) {
            Some(entry) => entry.address = address,
            None => self.ip_addresses.insert(
                0,
                IpAddress {
                    address,
                    mac_address: mac(&mut fastrand::Rng::with_seed(seed_of(self.id.as_str())), 0),
                    up: true,
                },
            ),
        }
        self
    }

    /// Sets its tags.
    #[must_use]
    pub fn with_tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.machine_tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets its health, and a last report that fits it (hours ago when `Active`, 8 to 25 days
    /// ago when `Inactive`).
    #[must_use]
    pub fn with_health(mut self, health: HealthStatus) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed_of(self.id.as_str()) ^ 0x4EA1);
        self.health_status = health;
        self.last_seen_ago = health.last_seen_ago(&mut rng);
        self.first_seen_ago =
            self.first_seen_ago.max(self.last_seen_ago + Duration::from_secs(DAY));
        self
    }

    /// The host name: the first label of [`Machine::computer_dns_name`].
    pub fn host_name(&self) -> &str {
        self.computer_dns_name.split('.').next().unwrap_or_default()
    }

    /// `isAadJoined`.
    pub fn is_aad_joined(&self) -> bool {
        self.aad_device_id.is_some()
    }

    /// Every address of the device: `lastIpAddress` and each entry of `ipAddresses`.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        std::iter::once(self.last_ip_address).chain(self.ip_addresses.iter().map(|e| e.address))
    }

    /// Draws everything but the id, name, platform and local address. `index` makes the MAC
    /// and IPv6 addresses of generated devices distinct.
    fn draw(&mut self, rng: &mut fastrand::Rng, index: usize) {
        self.set_platform(self.os_platform, rng);
        self.first_seen_ago = Duration::from_secs(rng.u64(30 * DAY..400 * DAY));
        self.last_seen_ago = HealthStatus::Active.last_seen_ago(rng);
        let site = rng.u8(..4);
        self.last_external_ip_address = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10 + site * 16));
        let primary = mac(rng, index);
        let link_local = eui64(0xfe80, [0, 0, 0], &primary);
        let global = eui64(0x2001, [0x0db8, 0x0100 + u16::from(site), 0x0010], &primary);
        self.ip_addresses = vec![
            IpAddress { address: self.last_ip_address, mac_address: primary.clone(), up: true },
            IpAddress { address: IpAddr::V6(link_local), mac_address: primary.clone(), up: true },
            IpAddress { address: IpAddr::V6(global), mac_address: primary, up: true },
        ];
        if rng.u8(..10) < 3 {
            // A second adapter, disconnected (Wi-Fi on a docked laptop, a spare NIC).
            let second = mac(rng, index ^ 0x80_0000);
            let address = eui64(0xfe80, [0, 0, 0], &second);
            self.ip_addresses.push(IpAddress {
                address: IpAddr::V6(address),
                mac_address: second,
                up: false,
            });
        }
        let (group, name) = self.os_platform.group();
        if rng.u8(..100) < 15 {
            (self.rbac_group_id, self.rbac_group_name) = (0, None);
        } else {
            (self.rbac_group_id, self.rbac_group_name) = (group, Some(name.to_owned()));
        }
        self.risk_score = pick(
            rng,
            &[("None", 20), ("Informational", 10), ("Low", 35), ("Medium", 25), ("High", 10)],
        );
        self.exposure_level = pick(rng, &[("None", 5), ("Low", 40), ("Medium", 40), ("High", 15)]);
        self.device_value = if self.os_platform.is_server() {
            pick(rng, &[("Normal", 50), ("High", 50)])
        } else {
            pick(rng, &[("Normal", 85), ("Low", 5), ("High", 10)])
        };
        let joined = match self.os_platform {
            OsPlatform::Windows11 | OsPlatform::Windows10 => 80,
            OsPlatform::MacOs => 40,
            _ => 0,
        };
        self.aad_device_id = (rng.u8(..100) < joined).then(|| guid(rng));
        self.machine_tags = draw_tags(rng, self.os_platform);
    }

    /// Changes the platform, with a version and build that fit it.
    fn set_platform(&mut self, platform: OsPlatform, rng: &mut fastrand::Rng) {
        self.os_platform = platform;
        let versions = platform.versions();
        let (version, build) = versions[rng.usize(..versions.len())];
        self.version = version.to_owned();
        self.os_build = build;
    }
}

/// The generator's host name for a device: `desktop-a83c0c.contoso.local`.
fn generated_name(id: &str, platform: OsPlatform) -> String {
    let start: String = id.chars().take(6).collect();
    format!("{}-{start}.{DOMAIN}", platform.host_prefix())
}

/// A seed from a device id (FNV-1a over its lowercase bytes).
fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One of `choices`, by weight.
fn pick(rng: &mut fastrand::Rng, choices: &[(&str, u32)]) -> String {
    let total: u32 = choices.iter().map(|(_, weight)| weight).sum();
    let mut draw = rng.u32(..total);
    for (value, weight) in choices {
        if draw < *weight {
            return (*value).to_owned();
        }
        draw -= weight;
    }
    choices[0].0.to_owned()
}

/// One or two tags that fit a device on `platform`.
fn draw_tags(rng: &mut fastrand::Rng, platform: OsPlatform) -> Vec<String> {
    let pool: &[&str] = if platform.is_server() {
        &["Prod-Web", "Prod-DB", "Test", "Finance"]
    } else {
        &["Finance", "HR", "Engineering", "VIP", "Kiosk", "Test"]
    };
    let first = pool[rng.usize(..pool.len())];
    let mut tags = vec![first.to_owned()];
    if rng.bool() {
        let second = pool[rng.usize(..pool.len())];
        if second != first {
            tags.push(second.to_owned());
        }
    }
    tags
}

/// A MAC address (12 upper-case hex digits): a vendor prefix drawn from `rng`, then three
/// bytes that differ for every `index` below 2^24.
fn mac(rng: &mut fastrand::Rng, index: usize) -> String {
    const VENDORS: &[&str] = &["00155D", "000C29", "8CEC4B", "3C5282", "F4EE08", "A4BB6D"];
    let vendor = VENDORS[rng.usize(..VENDORS.len())];
    // An odd multiplier is a bijection modulo 2^24.
    let low = (index as u32).wrapping_mul(0x9E37_79B1) & 0x00FF_FFFF;
    format!("{vendor}{low:06X}")
}

/// An IPv6 address with the 64-bit `prefix` (`first` then `rest`) and an interface id derived
/// from `mac` as EUI-64 does.
fn eui64(first: u16, rest: [u16; 3], mac: &str) -> Ipv6Addr {
    let byte = |i: usize| u8::from_str_radix(&mac[i * 2..i * 2 + 2], 16).unwrap_or(0);
    let bytes: [u8; 6] = std::array::from_fn(byte);
    let pair = |a: u8, b: u8| (u16::from(a) << 8) | u16::from(b);
    Ipv6Addr::new(
        first,
        rest[0],
        rest[1],
        rest[2],
        pair(bytes[0] ^ 0x02, bytes[1]),
        pair(bytes[2], 0xff),
        pair(0xfe, bytes[3]),
        pair(bytes[4], bytes[5]),
    )
}

/// The local IPv4 address of generated device `index`, in 10.0.0.0/8: distinct for every
/// index below 12 million. `base` (drawn from the seed) moves the fleet's subnets.
fn fleet_ip(base: u8, index: usize) -> Ipv4Addr {
    let host = 4 + (index % 250) as u8;
    let subnet = ((index / 250) % 256) as u8;
    let block = base.wrapping_add(((index / 64_000) % 256) as u8);
    Ipv4Addr::new(10, block, subnet, host)
}

/// `count` devices with random ids from `rng`, cycling through `platforms` (every platform
/// when empty), with the ambiguous host names when `ambiguous` and the fleet is large enough
/// (see the module docs). The ids are the only draws from `rng`; everything else comes from
/// each id and from one more seed derived from the ids.
pub(crate) fn generate(
    count: usize,
    platforms: &[OsPlatform],
    ambiguous: bool,
    rng: &mut fastrand::Rng,
) -> Vec<Machine> {
    let platforms = if platforms.is_empty() { OsPlatform::ALL } else { platforms };
    let ids: Vec<String> = (0..count).map(|_| hex(rng, 40)).collect();
    let mut fleet = fastrand::Rng::with_seed(
        ids.iter().fold(count as u64, |seed, id| seed.rotate_left(7) ^ seed_of(id)),
    );
    let base = fleet.u8(..);
    let mut machines: Vec<Machine> = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let platform = platforms[i % platforms.len()];
            let mut machine = Machine::with_generated_name(id, platform);
            let mut own = fastrand::Rng::with_seed(seed_of(machine.id.as_str()) ^ 0xF1EE7);
            // The generator's MAC and IPv6 addresses differ for every index.
            machine.draw(&mut own, i);
            let mut machine = machine.with_ip(IpAddr::V4(fleet_ip(base, i)));
            let health = match fleet.u8(..100) {
                0..85 => HealthStatus::Active,
                85..95 => HealthStatus::Inactive,
                95..98 => HealthStatus::ImpairedCommunication,
                _ => HealthStatus::NoSensorData,
            };
            machine.health_status = health;
            machine.last_seen_ago = health.last_seen_ago(&mut fleet);
            machine
        })
        .collect();
    // Host names are unique until the ambiguous cases are made: a name taken already takes
    // more of the id.
    let mut taken = std::collections::BTreeSet::new();
    for machine in &mut machines {
        let mut length = 6;
        while !taken.insert(machine.host_name().to_ascii_lowercase()) && length < 40 {
            length += 2;
            let start: String = machine.id.as_str().chars().take(length).collect();
            machine.computer_dns_name =
                format!("{}-{start}.{DOMAIN}", machine.os_platform.host_prefix());
        }
    }
    if ambiguous && count >= AMBIGUOUS_FLEET_MIN {
        make_ambiguous(&mut machines, &mut fleet);
    }
    machines
}

/// Turns the last two devices into the ambiguous cases of the module docs.
fn make_ambiguous(machines: &mut [Machine], rng: &mut fastrand::Rng) {
    let count = machines.len();
    // A re-imaged device: the second one, recently (re)onboarded, and its old record.
    let current = {
        let device = &mut machines[1];
        device.health_status = HealthStatus::Active;
        device.last_seen_ago = HealthStatus::Active.last_seen_ago(rng);
        device.first_seen_ago = Duration::from_secs(rng.u64(8 * DAY..20 * DAY));
        device.clone()
    };
    let old = &mut machines[count - 1];
    old.set_platform(current.os_platform, rng);
    old.computer_dns_name = current.computer_dns_name.clone();
    old.health_status = HealthStatus::Inactive;
    old.last_seen_ago = current.first_seen_ago + Duration::from_secs(rng.u64(HOUR..2 * DAY));
    old.first_seen_ago = old.last_seen_ago + Duration::from_secs(rng.u64(60 * DAY..300 * DAY));
    old.machine_tags = current.machine_tags.clone();
    old.rbac_group_id = current.rbac_group_id;
    old.rbac_group_name = current.rbac_group_name.clone();

    // The same host name in another domain, both reporting.
    let namesake = machines[2].clone();
    let twin = &mut machines[count - 2];
    twin.set_platform(namesake.os_platform, rng);
    twin.computer_dns_name = format!("{}.{OTHER_DOMAIN}", namesake.host_name());
    twin.health_status = HealthStatus::Active;
    twin.last_seen_ago = HealthStatus::Active.last_seen_ago(rng);
    machines[2].health_status = HealthStatus::Active;
    machines[2].last_seen_ago = HealthStatus::Active.last_seen_ago(rng);
}

/// `len` random lowercase hexadecimal digits.
pub(crate) fn hex(rng: &mut fastrand::Rng, len: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    (0..len).map(|_| char::from(DIGITS[rng.usize(..16)])).collect()
}

/// A random GUID (version 4 layout), lowercase.
pub(crate) fn guid(rng: &mut fastrand::Rng) -> String {
    let digits = hex(rng, 32);
    let variant = ["8", "9", "a", "b"][rng.usize(..4)];
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        &digits[..8],
        &digits[8..12],
        &digits[13..16],
        &digits[17..20],
        &digits[20..32]
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn generated_fleet_is_deterministic_and_well_formed() {
        let a = generate(7, &[], true, &mut fastrand::Rng::with_seed(3));
        let b = generate(7, &[], true, &mut fastrand::Rng::with_seed(3));
        assert_eq!(a, b);
        assert_eq!(a[0].os_platform, OsPlatform::Windows11);
        assert_eq!(a[6].os_platform, OsPlatform::Windows11);
        for machine in &a {
            assert_eq!(machine.id.as_str().len(), 40);
            assert!(machine.id.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(machine.computer_dns_name.ends_with(".contoso.local"));
            assert!(!machine.machine_tags.is_empty());
            assert!(machine.first_seen_ago > machine.last_seen_ago);
            assert_eq!(machine.addresses().next(), Some(machine.last_ip_address));
            assert!(machine.ip_addresses.iter().any(|e| e.address.is_ipv6()));
            for entry in &machine.ip_addresses {
                assert_eq!(entry.mac_address.len(), 12);
                assert!(entry.mac_address.bytes().all(|b| b.is_ascii_hexdigit()));
                assert_eq!(entry.mac_address, entry.mac_address.to_ascii_uppercase());
            }
        }
        let id = guid(&mut fastrand::Rng::with_seed(1));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn the_ids_are_the_only_draws_from_the_shared_generator() {
        let mut rng = fastrand::Rng::with_seed(1);
        let fleet = generate(6, &[], true, &mut rng);
        let mut again = fastrand::Rng::with_seed(1);
        for machine in &fleet {
            assert_eq!(machine.id.as_str(), hex(&mut again, 40));
        }
        assert_eq!(rng.u64(..), again.u64(..));
    }

    #[test]
    fn large_fleets_have_unique_addresses_and_the_ambiguous_names() {
        let fleet = generate(1000, &[], true, &mut fastrand::Rng::with_seed(5));
        let ids: BTreeSet<_> = fleet.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids.len(), 1000);
        let addresses: Vec<IpAddr> =
            fleet.iter().flat_map(|m| m.ip_addresses.iter().map(|e| e.address)).collect();
        let unique: BTreeSet<_> = addresses.iter().collect();
        assert_eq!(unique.len(), addresses.len(), "no address is on two devices");
        assert!(fleet.iter().all(|m| m.last_ip_address.is_ipv4()));

        let old = &fleet[999];
        assert_eq!(old.computer_dns_name, fleet[1].computer_dns_name);
        assert_eq!(old.os_platform, fleet[1].os_platform);
        assert_eq!(
            (old.health_status, fleet[1].health_status),
            (HealthStatus::Inactive, HealthStatus::Active)
        );
        assert!(old.last_seen_ago > fleet[1].first_seen_ago, "the old record stopped first");
        let twin = &fleet[998];
        assert_eq!(twin.host_name(), fleet[2].host_name());
        assert_ne!(twin.computer_dns_name, fleet[2].computer_dns_name);
        assert!(twin.computer_dns_name.ends_with(".fabrikam.local"));
        assert_eq!(
            (twin.health_status, fleet[2].health_status),
            (HealthStatus::Active, HealthStatus::Active)
        );

        let inactive = fleet.iter().filter(|m| m.health_status == HealthStatus::Inactive).count();
        assert!((50..200).contains(&inactive), "{inactive}");
        for tag in TAGS {
            assert!(fleet.iter().any(|m| m.machine_tags.iter().any(|t| t == tag)), "{tag}");
        }

        let plain = generate(1000, &[], false, &mut fastrand::Rng::with_seed(5));
        assert!(plain.iter().all(|m| m.computer_dns_name.ends_with(".contoso.local")));
        let hosts: BTreeSet<_> = plain.iter().map(|m| m.host_name().to_owned()).collect();
        assert_eq!(hosts.len(), plain.len(), "host names are unique without ambiguity");
        let small = generate(AMBIGUOUS_FLEET_MIN - 1, &[], true, &mut fastrand::Rng::with_seed(5));
        let names: BTreeSet<_> = small.iter().map(Machine::host_name).collect();
        assert_eq!(names.len(), small.len(), "a small fleet has no ambiguity");
    }

    #[test]
    fn devices_added_by_hand() {
        let machine = Machine::new("abc", "web-01.contoso.local", OsPlatform::WindowsServer2022);
        let upper = Machine::new("ABC", "web-01.contoso.local", OsPlatform::WindowsServer2022);
        assert_eq!(upper.ip_addresses, machine.ip_addresses, "drawn from the id, without case");
        assert_eq!(machine.health_status, HealthStatus::Active);
        assert_eq!(machine.host_name(), "web-01");
        assert_eq!(machine.os_build, Some(20348));
        let IpAddr::V4(ip) = machine.last_ip_address else { panic!("IPv4") };
        assert_eq!(ip.octets()[0], 172);
        let changed = machine
            .clone()
            .with_ip("10.9.8.7".parse().unwrap())
            .with_tags(["Prod-Web"])
            .with_health(HealthStatus::Inactive);
        assert_eq!(changed.last_ip_address.to_string(), "10.9.8.7");
        assert_eq!(changed.ip_addresses[0].address.to_string(), "10.9.8.7");
        assert_eq!(changed.machine_tags, ["Prod-Web"]);
        assert!(changed.last_seen_ago >= Duration::from_secs(8 * DAY));
        assert!(changed.first_seen_ago > changed.last_seen_ago);
    }
}
