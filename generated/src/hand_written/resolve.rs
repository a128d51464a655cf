//! Device resolution: [`Client::resolve_devices`] turns what a responder has (machine ids, host
//! names, FQDNs, IP addresses, tags) into devices, and says which inputs matched several
//! devices or none, never choosing among several silently.
//!
//! How each input is read ([`DeviceQuery::parse`]): `id:`, `name:`, `ip:` and `tag:` prefixes
//! say it outright; otherwise 40 hexadecimal characters are a machine id, an IPv4 or IPv6
//! address is an IP, and anything else is a name. A name with a dot is matched to the whole
//! `computerDnsName`; a bare host name to its first label (`desktop-7` matches
//! `desktop-7.contoso.local`). Case is ignored.
//!
//! Calls: one [`get_machine`](Client::get_machine) per id, one
//! [`find_machines_by_ip`](Client::find_machines_by_ip) per IP (at the time given by
//! [`ResolveOptions::with_at`], now by default), one
//! [`find_machines_by_tag`](Client::find_machines_by_tag) per tag, and for names either one
//! filtered [`list_machines`](Client::list_machines) each or, from
//! [`ResolveOptions::bulk_names`] names on, one listing of every device (paged) matched
//! locally.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use futures_util::stream::{self, StreamExt as _};
use mde_runtime::{Error, Filter, ODataLiteral as _, Timestamp};

use crate::client::{Client, MachineFilter};
use crate::models::{HealthStatus, Machine, MachineId};

/// One input, as [`DeviceQuery::parse`] reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DeviceQuery {
    /// A machine id.
    Id(MachineId),
    /// A host name or fully qualified domain name.
    Name(String),
    /// An internal IP address.
    Ip(IpAddr),
    /// A machine tag: every device carrying it.
    Tag(String),
}

impl DeviceQuery {
    /// Reads one input (see the [module documentation](self) for the rules).
    ///
    /// ```
    /// use mde_machine_actions::resolve::DeviceQuery;
    ///
    /// assert!(matches!(DeviceQuery::parse("10.1.2.3"), DeviceQuery::Ip(_)));
    /// assert!(matches!(DeviceQuery::parse("tag:finance"), DeviceQuery::Tag(t) if t == "finance"));
    /// assert!(matches!(DeviceQuery::parse("desktop-7"), DeviceQuery::Name(_)));
    /// assert!(matches!(
    ///     DeviceQuery::parse("1e5bc9d7e413ddd7902c2932e418702b84d0cc07"),
    ///     DeviceQuery::Id(_)
    /// ));
    /// ```
    pub fn parse(input: &str) -> DeviceQuery {
        let input = input.trim();
        if let Some((prefix, rest)) = input.split_once(':') {
            let rest = rest.trim();
            match prefix.to_ascii_lowercase().as_str() {
                "id" => return DeviceQuery::Id(MachineId::from(rest)),
                "name" | "host" => return DeviceQuery::Name(rest.to_owned()),
                "tag" => return DeviceQuery::Tag(rest.to_owned()),
                "ip" => {
                    if let Ok(ip) = rest.parse() {
                        return DeviceQuery::Ip(ip);
                    }
                }
                _ => {}
            }
        }
        if let Ok(ip) = input.parse() {
            return DeviceQuery::Ip(ip);
        }
        if input.len() == 40 && input.bytes().all(|b| b.is_ascii_hexdigit()) {
            return DeviceQuery::Id(MachineId::from(input.to_ascii_lowercase()));
        }
        DeviceQuery::Name(input.to_owned())
    }

    /// True when `machine` answers this name (whole FQDN, or first label for a bare host
    /// name), ignoring case.
    fn names(name: &str, machine: &Machine) -> bool {
        let Some(dns) = machine.computer_dns_name.as_deref() else { return false };
        if dns.eq_ignore_ascii_case(name) {
            return true;
        }
        !name.contains('.')
            && dns.split('.').next().is_some_and(|host| host.eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for DeviceQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceQuery::Id(id) => write!(f, "id:{id}"),
            DeviceQuery::Name(name) => write!(f, "name:{name}"),
            DeviceQuery::Ip(ip) => write!(f, "ip:{ip}"),
            DeviceQuery::Tag(tag) => write!(f, "tag:{tag}"),
        }
    }
}

/// How to resolve: [`ResolveOptions::default`], changed with the `with_*` setters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolveOptions {
    at: Option<Timestamp>,
    prefer_active: bool,
    bulk_names: usize,
    concurrency: usize,
}

impl Default for ResolveOptions {
    /// IPs as of now, several matches always ambiguous, one listing of every device from 20
    /// names on, 8 lookups at a time.
    fn default() -> Self {
        Self { at: None, prefer_active: false, bulk_names: 20, concurrency: 8 }
    }
}

impl ResolveOptions {
    /// The time IP addresses are looked up at (`None`: when resolving starts).
    pub fn at(&self) -> Option<&Timestamp> {
        self.at.as_ref()
    }

    /// Whether a name or IP matching one `Active` device and only inactive others resolves to
    /// the active one (the others reported in [`Resolved::set_aside`]).
    pub fn prefer_active(&self) -> bool {
        self.prefer_active
    }

    /// From how many names on every device is listed once rather than each name queried.
    pub fn bulk_names(&self) -> usize {
        self.bulk_names
    }

    /// Most lookups in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Sets the time IP addresses are looked up at (the service accepts the past 30 days).
    #[must_use]
    pub fn with_at(mut self, at: Timestamp) -> Self {
        self.at = Some(at);
        self
    }

    /// Sets whether one active device wins over inactive duplicates of its name or IP.
    #[must_use]
    pub fn with_prefer_active(mut self, prefer: bool) -> Self {
        self.prefer_active = prefer;
        self
    }

    /// Sets from how many names on every device is listed once.
    #[must_use]
    pub fn with_bulk_names(mut self, names: usize) -> Self {
        self.bulk_names = names;
        self
    }

    /// Sets the number of lookups in flight (at least 1).
    #[must_use]
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }
}

/// An input that found its device(s).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Resolved {
    /// The input as given.
    pub input: String,
    /// The device.
    pub device: Machine,
    /// Inactive devices that also matched and were set aside for the active one (only with
    /// [`ResolveOptions::with_prefer_active`]).
    pub set_aside: Vec<Machine>,
}

/// An input that matched several devices, none chosen.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Ambiguous {
    /// The input as given.
    pub input: String,
    /// Every device it matched.
    pub candidates: Vec<Machine>,
}

/// An input that found no device, or whose lookup failed.
#[derive(Debug)]
#[non_exhaustive]
pub struct Unresolved {
    /// The input as given.
    pub input: String,
    /// `None` when the service knows no such device; the error when the lookup failed.
    pub error: Option<Error>,
}

/// What [`Client::resolve_devices`] found for every input.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Resolution {
    /// Inputs with their device (a tag gives one entry per device carrying it). A device
    /// found through several inputs appears once per input.
    pub resolved: Vec<Resolved>,
    /// Inputs that matched several devices.
    pub ambiguous: Vec<Ambiguous>,
    /// Inputs that matched nothing or could not be looked up.
    pub unresolved: Vec<Unresolved>,
}

impl Resolution {
    /// The distinct ids of the resolved devices, in input order.
    pub fn machine_ids(&self) -> Vec<MachineId> {
        let mut seen = std::collections::BTreeSet::new();
        self.resolved
            .iter()
            .filter(|r| seen.insert(r.device.id.as_str().to_owned()))
            .map(|r| r.device.id.clone())
            .collect()
    }

    /// True when every input resolved to its device(s).
    pub fn is_complete(&self) -> bool {
        self.ambiguous.is_empty() && self.unresolved.is_empty()
    }
}

impl fmt::Display for Resolution {
    /// One line per input that did not resolve cleanly, after a count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} device(s) resolved, {} ambiguous input(s), {} unresolved input(s)",
            self.machine_ids().len(),
            self.ambiguous.len(),
            self.unresolved.len()
        )?;
        for ambiguous in &self.ambiguous {
            let names: Vec<String> = ambiguous.candidates.iter().map(describe).collect();
            write!(f, "\n  {}: matches {}", ambiguous.input, names.join(", "))?;
        }
        for unresolved in &self.unresolved {
            match &unresolved.error {
                None => write!(f, "\n  {}: no such device", unresolved.input)?,
                Some(error) => write!(f, "\n  {}: lookup failed: {error}", unresolved.input)?,
            }
        }
        Ok(())
    }
}

/// `id (name, health)` for messages.
fn describe(machine: &Machine) -> String {
    let name = machine.computer_dns_name.as_deref().unwrap_or("?");
    let health = machine.health_status.as_ref().map_or("?".to_owned(), ToString::to_string);
    format!("{} ({name}, {health})", machine.id)
}

/// The matches of one input, before they are judged.
enum Found {
    /// Every match is wanted (a tag).
    All(Vec<Machine>),
    /// One device is wanted.
    One(Vec<Machine>),
    Failed(Error),
}

impl Client {
    /// Resolves `inputs` (ids, host names, FQDNs, IPs, tags; see [`DeviceQuery::parse`]) into
    /// devices.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn example(client: &mde_machine_actions::Client) {
    /// use mde_machine_actions::resolve::ResolveOptions;
    ///
    /// let inputs = ["desktop-7", "10.1.2.3", "tag:finance-laptops"];
    /// let found = client.resolve_devices(inputs, &ResolveOptions::default()).await;
    /// if !found.is_complete() {
    ///     eprintln!("{found}");
    /// }
    /// let devices = found.machine_ids();
    /// # let _ = devices;
    /// # }
    /// ```
    pub async fn resolve_devices<I>(&self, inputs: I, options: &ResolveOptions) -> Resolution
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let inputs: Vec<(String, DeviceQuery)> = inputs
            .into_iter()
            .map(|i| (i.as_ref().to_owned(), DeviceQuery::parse(i.as_ref())))
            .collect();
        let at = options.at.clone().unwrap_or_else(Timestamp::now);
        let names = inputs.iter().filter(|(_, q)| matches!(q, DeviceQuery::Name(_))).count();
        let inventory = if names >= options.bulk_names.max(1) {
            Some(Arc::new(self.list_machines().into_pager().collect_all().await))
        } else {
            None
        };
        // Each lookup owns what it uses, so the returned future is `Send` for any caller.
        let lookups: Vec<_> = inputs
            .iter()
            .map(|(_, query)| {
                let (client, query, at, inventory) =
                    (self.clone(), query.clone(), at.clone(), inventory.clone());
                async move { client.look_up(&query, &at, inventory.as_deref()).await }
            })
            .collect();
        let found: Vec<Found> = stream::iter(lookups).buffered(options.concurrency).collect().await;
        let mut resolution = Resolution::default();
        for ((input, _), found) in inputs.into_iter().zip(found) {
            judge(&mut resolution, input, found, options.prefer_active);
        }
        resolution
    }

    async fn look_up(
        &self,
        query: &DeviceQuery,
        at: &Timestamp,
        inventory: Option<&Result<Vec<Machine>, Error>>,
    ) -> Found {
        let result = match query {
            DeviceQuery::Id(id) => match self.get_machine(id).await {
                Ok(machine) => Ok(vec![machine]),
                Err(error) if error.is_not_found() => Ok(Vec::new()),
                Err(error) => Err(error),
            },
            DeviceQuery::Name(name) => match inventory {
                Some(Ok(all)) => {
                    Ok(all.iter().filter(|m| DeviceQuery::names(name, m)).cloned().collect())
                }
                Some(Err(_)) | None => self.machines_named(name).await,
            },
            DeviceQuery::Ip(ip) => {
                self.find_machines_by_ip(&ip.to_string(), at.clone()).await.map(|c| c.value)
            }
            DeviceQuery::Tag(tag) => {
                let tagged = self.find_machines_by_tag(tag).await.map(|c| c.value);
                return tagged.map_or_else(Found::Failed, Found::All);
            }
        };
        result.map_or_else(Found::Failed, Found::One)
    }

    /// Devices answering `name`: one filtered listing (`eq` for an FQDN, `startswith` for a
    /// bare host name, narrowed locally to its first label).
    async fn machines_named(&self, name: &str) -> Result<Vec<Machine>, Error> {
        let filter = if name.contains('.') {
            MachineFilter::computer_dns_name().eq(name.to_ascii_lowercase())
        } else {
            let mut literal = String::new();
            name.to_ascii_lowercase().write_literal(&mut literal);
            Filter::raw(format!("startswith(computerDnsName,{literal})"))
        };
        let listed = self.list_machines().filter(filter).into_pager().collect_all().await?;
        Ok(listed.into_iter().filter(|m| DeviceQuery::names(name, m)).collect())
    }
}

/// Files one input's matches under resolved, ambiguous or unresolved.
fn judge(resolution: &mut Resolution, input: String, found: Found, prefer_active: bool) {
    let mut matches = match found {
        Found::Failed(error) => {
            return resolution.unresolved.push(Unresolved { input, error: Some(error) });
        }
        Found::All(all) => {
            if all.is_empty() {
                return resolution.unresolved.push(Unresolved { input, error: None });
            }
            for device in all {
                let input = input.clone();
                resolution.resolved.push(Resolved { input, device, set_aside: Vec::new() });
            }
            return;
        }
        Found::One(matches) => matches,
    };
    dedup_by_id(&mut matches);
    match matches.len() {
        0 => resolution.unresolved.push(Unresolved { input, error: None }),
        1 => {
            let device = matches.remove(0);
            resolution.resolved.push(Resolved { input, device, set_aside: Vec::new() });
        }
        _ => {
            let active = |m: &Machine| m.health_status == Some(HealthStatus::Active);
            let active_count = matches.iter().filter(|m| active(m)).count();
            if prefer_active && active_count == 1 {
                let (mut chosen, set_aside): (Vec<Machine>, Vec<Machine>) =
                    matches.into_iter().partition(active);
                let device = chosen.remove(0);
                resolution.resolved.push(Resolved { input, device, set_aside });
            } else {
                resolution.ambiguous.push(Ambiguous { input, candidates: matches });
            }
        }
    }
}

fn dedup_by_id(machines: &mut Vec<Machine>) {
    let mut seen = BTreeMap::new();
    machines.retain(|m| seen.insert(m.id.as_str().to_owned(), ()).is_none());
}
