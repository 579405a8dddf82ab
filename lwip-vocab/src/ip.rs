//! `ip_addr_t` (`src/include/lwip/ip_addr.h`) as a value.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

/// lwIP's `ip_addr_t`: an IPv4 address, an IPv6 address, or the
/// dual-stack "any" (`IP_ANY_TYPE`: type `IPADDR_TYPE_ANY`, no address).
/// An IPv4-only build stores only [`IpAddr::V4`] (its "any" is 0.0.0.0),
/// an IPv6-only build only [`IpAddr::V6`] (its "any" is ::).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpAddr {
    /// `IPADDR_TYPE_V4`, the four bytes in network order.
    V4([u8; 4]),
    /// `IPADDR_TYPE_V6`, the sixteen bytes in network order.
    V6([u8; 16]),
    /// `IPADDR_TYPE_ANY`: `IP_ANY_TYPE`, a dual-stack listener's address.
    Any,
}

impl IpAddr {
    /// `IPADDR_TYPE_V4`.
    pub const TYPE_V4: u8 = 0;
    /// `IPADDR_TYPE_V6`.
    pub const TYPE_V6: u8 = 6;
    /// `IPADDR_TYPE_ANY`.
    pub const TYPE_ANY: u8 = 46;

    /// lwIP's `IPADDR_TYPE_*` of this address.
    pub const fn type_code(self) -> u8 {
        match self {
            IpAddr::V4(_) => Self::TYPE_V4,
            IpAddr::V6(_) => Self::TYPE_V6,
            IpAddr::Any => Self::TYPE_ANY,
        }
    }

    /// The address from its type code and bytes (`addr[..4]` for IPv4);
    /// `None` for a type lwIP does not have.
    pub fn from_parts(type_code: u8, addr: &[u8; 16]) -> Option<IpAddr> {
        match type_code {
            Self::TYPE_V4 => Some(IpAddr::V4([addr[0], addr[1], addr[2], addr[3]])),
            Self::TYPE_V6 => Some(IpAddr::V6(*addr)),
            Self::TYPE_ANY => Some(IpAddr::Any),
            _ => None,
        }
    }

    /// The bytes as lwIP stores them: four for IPv4, then zeros; none for
    /// [`IpAddr::Any`].
    pub fn to_bytes16(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        match self {
            IpAddr::V4(a) => out[..4].copy_from_slice(&a),
            IpAddr::V6(a) => out = a,
            IpAddr::Any => {}
        }
        out
    }

    /// `IP_IS_V6`.
    pub const fn is_v6(self) -> bool {
        matches!(self, IpAddr::V6(_))
    }
}

impl From<core::net::IpAddr> for IpAddr {
    fn from(a: core::net::IpAddr) -> IpAddr {
        match a {
            core::net::IpAddr::V4(a) => IpAddr::V4(a.octets()),
            core::net::IpAddr::V6(a) => IpAddr::V6(a.octets()),
        }
    }
}

impl From<[u8; 4]> for IpAddr {
    fn from(a: [u8; 4]) -> IpAddr {
        IpAddr::V4(a)
    }
}

impl fmt::Display for IpAddr {
    /// Dotted IPv4, RFC 5952 IPv6 (as `ipaddr_ntoa`; lwIP
    /// compresses the same way), and "ANY" for `IPADDR_TYPE_ANY`
    /// (which lwIP would print as 0.0.0.0).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpAddr::V4(a) => Ipv4Addr::from(*a).fmt(f),
            IpAddr::V6(a) => Ipv6Addr::from(*a).fmt(f),
            IpAddr::Any => f.write_str("ANY"),
        }
    }
}
