//! The `struct netif` offsets `src/ip.rs` reads (`ip_addr`, `mtu`, `num`)
//! are the C compiler's for the build lwip-core compiles (lwIP's unit-test
//! options), through lwip-core's table of `offsetof`/`sizeof` values,
//! compiled with the very flags of the lwIP objects (netif.c, ip4.c) the
//! storage runs on; and `src/ip.rs` reads a netif lwIP made
//! (`netif_add`) as lwIP's own functions see it.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::ptr::NonNull;

use lwip_core::NetifConfig;
use lwip_tcp_rust::ip::{self, NETIF_IP_ADDR, NETIF_MTU, NETIF_NUM};
use lwip_tcp_rust::layout::{IpAddrT, NetifPtr, PbufPtr};
use tcp_rust::storage::IpAddrRepr;

fn fact(f: &BTreeMap<String, u64>, k: &str) -> u64 {
    *f.get(k)
        .unwrap_or_else(|| panic!("lwip-core has no fact {k}"))
}

/// The offsets and the sizes the reads assume (4 bytes of the address:
/// the IPv4 half of a dual-stack `ip_addr_t`, which starts it; 2 of
/// `mtu`; 1 of `num`), all within `struct netif`.
#[test]
fn netif_offsets_are_the_c_compilers() {
    let f = lwip_core::facts();
    assert_eq!(fact(&f, "netif.ip_addr"), NETIF_IP_ADDR as u64, "ip_addr");
    assert_eq!(fact(&f, "netif.mtu"), NETIF_MTU as u64, "mtu");
    assert_eq!(fact(&f, "netif.num"), NETIF_NUM as u64, "num");
    assert_eq!(fact(&f, "sizeof netif.mtu"), 2);
    assert_eq!(fact(&f, "sizeof netif.num"), 1);
    // Dual-stack: ip_addr_t is 24 bytes, its IPv4 address first (the
    // union's u_addr.ip4 at offset 0: ip4_addr_t is one u32).
    assert_eq!(
        fact(&f, "sizeof netif.ip_addr"),
        fact(&f, "sizeof ip_addr_t")
    );
    assert_eq!(fact(&f, "sizeof ip4_addr_t"), 4);
    let size = fact(&f, "sizeof netif");
    for (at, n) in [(NETIF_IP_ADDR, 4), (NETIF_MTU, 2), (NETIF_NUM, 1)] {
        assert!(
            (at + n) as u64 <= size,
            "{at}+{n} within struct netif ({size})"
        );
    }
}

unsafe extern "C" fn drop_output(_: *mut c_void, _: *mut c_void, _: *const c_void) -> i8 {
    0
}

unsafe extern "C" {
    /// netif.c: the index of the netif named `name` ("lc" and `num`).
    fn netif_name_to_index(name: *const std::ffi::c_char) -> u8;
}

/// `src/ip.rs` reads what lwIP wrote: two netifs from `netif_add`, their
/// addresses, MTUs and indices through `ip::ip4_addr`, `ip::mtu`,
/// `ip::index` (against lwIP's `netif_name_to_index`), found again by
/// `netif_get_by_index` and `ip4_route`; the broadcast test per netif
/// flags.
#[test]
fn ip_rs_reads_lwips_netifs() {
    let lw = lwip_core::lock();
    let f = lwip_core::facts();
    let a = NetifConfig {
        ip: [192, 168, 0, 1],
        netmask: [255, 255, 255, 0],
        gateway: [192, 168, 0, 2],
        mtu: 1500,
        flags: 0,
        output: drop_output,
    };
    let b = NetifConfig {
        ip: [10, 1, 2, 3],
        netmask: [255, 0, 0, 0],
        gateway: [10, 0, 0, 1],
        mtu: 576,
        flags: fact(&f, "NETIF_FLAG_BROADCAST") as u8,
        output: drop_output,
    };
    let na = lw.netif_add(&a).expect("netif a");
    let nb = lw.netif_add(&b).expect("netif b");
    for n in [na, nb] {
        lw.netif_set_up(n);
        lw.netif_set_link_up(n);
    }
    lw.netif_set_default(na);
    let (pa, pb) = (NetifPtr(na), NetifPtr(nb));
    assert_eq!(ip::ip4_addr(pa), a.ip);
    assert_eq!(ip::ip4_addr(pb), b.ip);
    assert_eq!(ip::mtu(pa), 1500);
    assert_eq!(ip::mtu(pb), 576);
    // The first netif after the reset is index 1 (no loopback netif).
    assert_eq!(ip::index(pa), 1);
    assert_eq!(ip::index(pb), 2);
    // lwIP's own view of the numbering: lwip-core names its netifs "lc",
    // netif.c appends `num`.
    for (n, name) in [(na, c"lc0"), (nb, c"lc1")] {
        // SAFETY: a NUL-terminated name; lwIP's lock is held.
        let c = unsafe { netif_name_to_index(name.as_ptr()) };
        assert_eq!(ip::index(NetifPtr(n)), c, "netif_name_to_index({name:?})");
    }
    let ptr = |n: Option<NetifPtr>| n.map(|p| p.0);
    assert_eq!(ptr(ip::get_by_index(1)), Some(na));
    assert_eq!(ptr(ip::get_by_index(2)), Some(nb));
    assert_eq!(ptr(ip::get_by_index(3)), None);
    // ip_route for an IPv4 dest is ip4_route: the netif whose subnet
    // holds dest, else the default.
    let route = |d: [u8; 4]| ip::ip_route(&IpAddrT::ANY, &IpAddrT::from_v4(d));
    assert_eq!(ptr(route([10, 9, 9, 9])), Some(nb));
    assert_eq!(ptr(route([192, 168, 0, 77])), Some(na));
    assert_eq!(ptr(route([192, 0, 2, 1])), Some(na));
    assert_eq!(ptr(route([127, 0, 0, 1])), None, "loopback: no route");
    // ip4_addr_isbroadcast_u32: without NETIF_FLAG_BROADCAST only the
    // all-ones and all-zeros addresses; with it also the subnet's.
    assert!(ip::isbroadcast([255; 4], pa));
    assert!(ip::isbroadcast([0; 4], pa));
    assert!(!ip::isbroadcast([192, 168, 0, 255], pa));
    assert!(ip::isbroadcast([10, 255, 255, 255], pb));
    assert!(!ip::isbroadcast([10, 255, 255, 254], pb));
    let _: NonNull<c_void> = na;
}

/// lwip-core's reset empties the netif list and numbers netifs from 1
/// again, and puts ip4.c's `ip_id` back to 0.
#[test]
fn the_reset_forgets_netifs_and_ip_id() {
    for _ in 0..2 {
        let lw = lwip_core::lock();
        assert!(ip::get_by_index(1).is_none(), "no netif after the reset");
        assert_eq!(lw.ip_id(), 0);
        let n = lw
            .netif_add(&NetifConfig {
                ip: [192, 168, 0, 1],
                netmask: [255, 255, 255, 0],
                gateway: [0; 4],
                mtu: 1500,
                flags: 0,
                output: drop_output,
            })
            .expect("a netif");
        assert_eq!(ip::index(NetifPtr(n)), 1);
        lw.netif_set_up(n);
        lw.netif_set_link_up(n);
        // One packet out through ip4_output_if: ip_id moves on.
        let transport = lwip_core::facts()["PBUF_TRANSPORT"] as u32;
        // SAFETY: lwIP's pbuf_alloc under the lock.
        let p = NonNull::new(unsafe { pbuf_alloc(transport, 20, PBUF_RAM) }).expect("a pbuf");
        let r = ip::output_if(
            PbufPtr(p),
            &IpAddrT::from_v4([192, 168, 0, 1]),
            &IpAddrT::from_v4([192, 168, 0, 9]),
            255,
            0,
            NetifPtr(n),
        );
        assert_eq!(r, tcp_rust::Err::Ok);
        assert_eq!(lw.ip_id(), 1);
        // SAFETY: the pbuf allocated above, freed once.
        unsafe { pbuf_free(p.as_ptr()) };
    }
}

const PBUF_RAM: u32 = lwip_tcp_rust::pbuf::PBUF_RAM;

unsafe extern "C" {
    fn pbuf_alloc(layer: u32, length: u16, ty: u32) -> *mut c_void;
    fn pbuf_free(p: *mut c_void) -> u8;
}
