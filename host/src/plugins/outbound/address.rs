//! Which IP addresses a plugin may reach. This is what keeps a plugin (or a DNS name it was
//! granted, or a redirect it follows) away from the cloud metadata service, the host itself
//! and the operator's internal network.
//!
//! Written out by hand from the IANA special-purpose registries (IPv4 and IPv6) because
//! `IpAddr::is_global` is not stable and because every embedding of an IPv4 address in IPv6
//! (mapped, compatible, NAT64, 6to4) must be judged by the IPv4 address it carries.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The verdict on one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    /// Globally routable: reachable by any plugin whose origin resolves to it.
    Public,
    /// Loopback, private, shared, documentation, reserved...: reachable only when the operator
    /// opted in (`allow_private_addresses`, for contract servers on 127.0.0.1 in tests or an
    /// on-premises API).
    NonPublic(&'static str),
    /// Never reachable, whatever the configuration: cloud metadata and credential services
    /// (which hand out the machine's cloud identity), link-local, unspecified, broadcast and
    /// multicast (never a server a plugin has business with).
    Refused(&'static str),
}

impl AddressClass {
    /// Whether a connection to this address is allowed under the operator's choice.
    pub fn is_allowed(self, allow_private_addresses: bool) -> bool {
        match self {
            AddressClass::Public => true,
            AddressClass::NonPublic(_) => allow_private_addresses,
            AddressClass::Refused(_) => false,
        }
    }
}

/// Cloud instance metadata and credential endpoints, refused even with
/// `allow_private_addresses`: AWS/GCP/Azure/OpenStack/Scaleway/OVH (169.254.169.254), AWS ECS
/// task credentials (169.254.170.2), Alibaba Cloud (100.100.100.200), AWS IMDS over IPv6.
const METADATA_V4: [Ipv4Addr; 3] =
    [Ipv4Addr::new(169, 254, 169, 254), Ipv4Addr::new(169, 254, 170, 2), Ipv4Addr::new(100, 100, 100, 200)];
const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)];

const CLOUD_METADATA: &str = "cloud metadata service";

/// IPv4 special-purpose ranges, first match wins (network, prefix length, class).
const V4_RANGES: &[(Ipv4Addr, u8, AddressClass)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, AddressClass::Refused("\"this network\" (0.0.0.0 reaches the host itself)")),
    (Ipv4Addr::new(169, 254, 0, 0), 16, AddressClass::Refused("link-local (cloud metadata services live here)")),
    (Ipv4Addr::new(224, 0, 0, 0), 4, AddressClass::Refused("multicast")),
    (Ipv4Addr::new(255, 255, 255, 255), 32, AddressClass::Refused("broadcast")),
    (Ipv4Addr::new(127, 0, 0, 0), 8, AddressClass::NonPublic("loopback")),
    (Ipv4Addr::new(10, 0, 0, 0), 8, AddressClass::NonPublic("private")),
    (Ipv4Addr::new(172, 16, 0, 0), 12, AddressClass::NonPublic("private")),
    (Ipv4Addr::new(192, 168, 0, 0), 16, AddressClass::NonPublic("private")),
    (Ipv4Addr::new(100, 64, 0, 0), 10, AddressClass::NonPublic("shared address space (CGNAT)")),
    (Ipv4Addr::new(192, 0, 0, 0), 24, AddressClass::NonPublic("IETF protocol assignments")),
    (Ipv4Addr::new(192, 0, 2, 0), 24, AddressClass::NonPublic("documentation")),
    (Ipv4Addr::new(198, 51, 100, 0), 24, AddressClass::NonPublic("documentation")),
    (Ipv4Addr::new(203, 0, 113, 0), 24, AddressClass::NonPublic("documentation")),
    (Ipv4Addr::new(192, 88, 99, 0), 24, AddressClass::NonPublic("6to4 relay anycast (deprecated)")),
    (Ipv4Addr::new(198, 18, 0, 0), 15, AddressClass::NonPublic("benchmarking")),
    (Ipv4Addr::new(240, 0, 0, 0), 4, AddressClass::NonPublic("reserved")),
];

/// IPv6 ranges that do not embed an IPv4 address, first match wins. Anything outside
/// 2000::/3 (the only block IANA allocates for global unicast) is refused as reserved.
const V6_RANGES: &[(Ipv6Addr, u8, AddressClass)] = &[
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, AddressClass::Refused("link-local")),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, AddressClass::Refused("multicast")),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, AddressClass::NonPublic("unique local (private)")),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, AddressClass::NonPublic("site-local (deprecated, private)")),
    (Ipv6Addr::new(0x0064, 0xff9b, 0x0001, 0, 0, 0, 0, 0), 48, AddressClass::NonPublic("local-use NAT64")),
    (Ipv6Addr::new(0x0100, 0, 0, 0, 0, 0, 0, 0), 64, AddressClass::NonPublic("discard-only")),
    // Teredo (2001::/32) hides an arbitrary IPv4 peer, benchmarking, ORCHID...
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, AddressClass::NonPublic("IETF protocol assignments")),
    (Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0), 32, AddressClass::NonPublic("documentation")),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, AddressClass::NonPublic("documentation")),
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16, AddressClass::NonPublic("segment routing (SRv6)")),
];

pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

pub fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    if METADATA_V4.contains(&ip) {
        return AddressClass::Refused(CLOUD_METADATA);
    }
    let bits = u32::from(ip);
    V4_RANGES
        .iter()
        .find(|(network, prefix, _)| bits & v4_mask(*prefix) == u32::from(*network))
        .map_or(AddressClass::Public, |(_, _, class)| *class)
}

pub fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if METADATA_V6.contains(&ip) {
        return AddressClass::Refused(CLOUD_METADATA);
    }
    let bits = u128::from(ip);
    if bits == 0 {
        return AddressClass::Refused("unspecified");
    }
    if bits == 1 {
        return AddressClass::NonPublic("loopback");
    }
    let low_v4 = Ipv4Addr::from(bits as u32);
    // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated): the socket reaches the IPv4
    // address itself, so it is judged as such (::ffff:127.0.0.1 is loopback).
    if bits >> 32 == 0xffff || bits >> 32 == 0xffff_0000 {
        return classify_v4(low_v4);
    }
    // 64:ff9b::/96, well-known NAT64 prefix: the translator forwards to the embedded IPv4.
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return classify_v4(low_v4);
    }
    // ::a.b.c.d (IPv4-compatible, deprecated): never public, and metadata stays refused.
    if bits >> 32 == 0 {
        return match classify_v4(low_v4) {
            refused @ AddressClass::Refused(_) => refused,
            _ => AddressClass::NonPublic("IPv4-compatible (deprecated)"),
        };
    }
    // 2002:a.b.c.d::/48, 6to4: relayed to the embedded IPv4.
    if bits >> 112 == 0x2002 {
        return classify_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    if let Some((_, _, class)) =
        V6_RANGES.iter().find(|(network, prefix, _)| bits & v6_mask(*prefix) == u128::from(*network))
    {
        return *class;
    }
    if bits >> 125 != 0b001 {
        return AddressClass::NonPublic("reserved (outside global unicast 2000::/3)");
    }
    AddressClass::Public
}

fn v4_mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn v6_mask(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &[&str] = &[
        "1.1.1.1",
        "8.8.8.8",
        "145.242.11.11",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
        "2a01:e0a:1::1",
        "2001:4860:4860::8888",
        "2606:4700:4700::1111",
        "64:ff9b::808:808",
        "::ffff:8.8.8.8",
        "2002:808:808::1",
    ];

    /// Refused unless the operator allows private addresses.
    const NON_PUBLIC: &[&str] = &[
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "100.64.0.1",
        "100.127.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "198.51.100.7",
        "203.0.113.9",
        "198.18.0.1",
        "198.19.255.255",
        "240.0.0.1",
        "255.255.255.254",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "::ffff:0:192.168.0.1",
        "::127.0.0.1",
        "::8.8.8.8",
        "64:ff9b::7f00:1",
        "64:ff9b::a00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2002:c0a8:101::",
        "2001::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001:2::1",
        "2001:db8::1",
        "3fff::1",
        "100::1",
        "5f00::1",
        "4000::1",
        "::2:0:0:1",
    ];

    /// Refused even when the operator allows private addresses.
    const ALWAYS_REFUSED: &[&str] = &[
        "169.254.169.254",
        "169.254.170.2",
        "100.100.100.200",
        "169.254.0.1",
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "::",
        "fd00:ec2::254",
        "fe80::1",
        "ff02::1",
        "::ffff:169.254.169.254",
        "::ffff:0.0.0.0",
        "::169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::6464:64c8",
        "2002:a9fe:a9fe::",
    ];

    fn class_of(s: &str) -> AddressClass {
        classify(s.parse().unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    #[test]
    fn public_addresses_are_reachable() {
        for s in PUBLIC {
            assert_eq!(class_of(s), AddressClass::Public, "{s}");
            assert!(class_of(s).is_allowed(false), "{s}");
        }
    }

    #[test]
    fn non_public_addresses_need_the_operator_opt_in() {
        for s in NON_PUBLIC {
            let class = class_of(s);
            assert!(matches!(class, AddressClass::NonPublic(_)), "{s}: {class:?}");
            assert!(!class.is_allowed(false), "{s}");
            assert!(class.is_allowed(true), "{s}");
        }
    }

    #[test]
    fn metadata_link_local_and_unroutable_addresses_are_never_reachable() {
        for s in ALWAYS_REFUSED {
            let class = class_of(s);
            assert!(matches!(class, AddressClass::Refused(_)), "{s}: {class:?}");
            assert!(!class.is_allowed(true), "{s}");
        }
        assert_eq!(class_of("169.254.169.254"), AddressClass::Refused(CLOUD_METADATA));
        assert_eq!(class_of("::ffff:169.254.169.254"), AddressClass::Refused(CLOUD_METADATA));
        assert_eq!(class_of("fd00:ec2::254"), AddressClass::Refused(CLOUD_METADATA));
    }

    #[test]
    fn masks_cover_the_edges() {
        assert_eq!(v4_mask(0), 0);
        assert_eq!(v4_mask(32), u32::MAX);
        assert_eq!(v4_mask(12), 0xfff0_0000);
        assert_eq!(v6_mask(0), 0);
        assert_eq!(v6_mask(128), u128::MAX);
    }
}
