//! Simulated devices: [`Machine`] (id, DNS name, OS platform) and the seeded generator of a
//! fleet.

use std::fmt;

use mde_machine_actions::models::MachineId;

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
}

impl fmt::Display for OsPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A simulated device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Its id: 40 lowercase hexadecimal characters for generated devices.
    pub id: MachineId,
    /// Its host name (`computerDnsName` of its actions).
    pub computer_dns_name: String,
    /// Its operating system, which decides the actions it supports.
    pub os_platform: OsPlatform,
}

impl Machine {
    /// A device with the given id, host name and platform.
    pub fn new(
        id: impl Into<MachineId>,
        computer_dns_name: impl Into<String>,
        os_platform: OsPlatform,
    ) -> Self {
        Self { id: id.into(), computer_dns_name: computer_dns_name.into(), os_platform }
    }

    /// A device with the host name the generator gives one on `os_platform`: a prefix for
    /// the platform and the id's first six characters (`desktop-a83c0c.contoso.local`).
    pub fn with_generated_name(id: impl Into<MachineId>, os_platform: OsPlatform) -> Self {
        let id = id.into();
        let start: String = id.as_str().chars().take(6).collect();
        let host = format!("{}-{start}.contoso.local", os_platform.host_prefix());
        Self { id, computer_dns_name: host, os_platform }
    }
}

/// `count` devices with random ids from `rng`, cycling through `platforms` (every platform
/// when empty).
pub(crate) fn generate(
    count: usize,
    platforms: &[OsPlatform],
    rng: &mut fastrand::Rng,
) -> Vec<Machine> {
    let platforms = if platforms.is_empty() { OsPlatform::ALL } else { platforms };
    (0..count)
        .map(|i| {
            let platform = platforms[i % platforms.len()];
            Machine::with_generated_name(hex(rng, 40), platform)
        })
        .collect()
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
    use super::*;

    #[test]
    fn generated_fleet_is_deterministic_and_well_formed() {
        let a = generate(7, &[], &mut fastrand::Rng::with_seed(3));
        let b = generate(7, &[], &mut fastrand::Rng::with_seed(3));
        assert_eq!(a, b);
        assert_eq!(a[0].os_platform, OsPlatform::Windows11);
        assert_eq!(a[6].os_platform, OsPlatform::Windows11);
        for machine in &a {
            assert_eq!(machine.id.as_str().len(), 40);
            assert!(machine.id.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        }
        let id = guid(&mut fastrand::Rng::with_seed(1));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
