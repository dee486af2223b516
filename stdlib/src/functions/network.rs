//! Built-in network functions: IPv4 and IPv6 CIDR prefix arithmetic, with
//! Terraform's parsing (leading zeros in IPv4 octets are decimal) and
//! printing (an IPv4-mapped IPv6 address prints as IPv4).

use super::builtin;
use super::ex;
use crate::args::{number, string};
use crate::{Builtin, Example, FnContext, FnError, Returns};
use infra_lang::Value;
use infra_lang::types::Type;
use std::net::{Ipv4Addr, Ipv6Addr};

const fn f(
    name: &'static str,
    summary: &'static str,
    examples: &'static [Example],
    returns: Returns,
    run: fn(Vec<Value>, &FnContext<'_>) -> Result<Value, FnError>,
) -> Builtin {
    builtin(name, "network", summary, examples, returns, run)
}

/// The network functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    f(
        "cidrsubnet",
        "Subnet number `netnum` of a prefix extended by `newbits` bits.",
        &[
            ex(r#"cidrsubnet("172.16.0.0/12", 4, 2)"#, r#""172.18.0.0/16""#),
            ex(
                r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
                r#""fd00:fd12:3456:7800:a200::/72""#,
            ),
        ],
        Returns::String,
        cidrsubnet,
    ),
    f(
        "cidrhost",
        "The address of host number `hostnum` in a prefix; negative numbers count back from the last address.",
        &[
            ex(r#"cidrhost("10.12.112.0/20", 16)"#, r#""10.12.112.16""#),
            ex(r#"cidrhost("10.0.0.0/24", -1)"#, r#""10.0.0.255""#),
        ],
        Returns::String,
        cidrhost,
    ),
    f(
        "cidrnetmask",
        "The netmask of an IPv4 prefix in dotted-decimal form.",
        &[ex(r#"cidrnetmask("172.16.0.0/12")"#, r#""255.240.0.0""#)],
        Returns::String,
        cidrnetmask,
    ),
    f(
        "cidrsubnets",
        "Consecutive subnets of a prefix, one per `newbits` argument, each extending the prefix by that many bits (1 to 32), aligned and without overlap.",
        &[ex(
            r#"cidrsubnets("10.1.0.0/16", 4, 4, 8)"#,
            "tolist([\n  \"10.1.0.0/20\",\n  \"10.1.16.0/20\",\n  \"10.1.32.0/24\",\n])",
        )],
        Returns::Any,
        cidrsubnets,
    ),
];

/// A parsed prefix: the network address (host bits cleared), the address
/// width (32 or 128) and the prefix length.
#[derive(Clone, Copy)]
struct Net {
    addr: u128,
    bits: u32,
    prefix: u32,
}

/// The mask with the low `bits - prefix` bits set.
fn host_mask(prefix: u32, bits: u32) -> u128 {
    let h = bits.saturating_sub(prefix);
    if h >= 128 {
        u128::MAX
    } else {
        (1u128 << h) - 1
    }
}

/// The mask with the top `prefix` of `bits` bits set.
fn net_mask(prefix: u32, bits: u32) -> u128 {
    host_mask(0, bits) & !host_mask(prefix, bits)
}

/// True for an IPv6 address of the form `::ffff:a.b.c.d`.
fn v4_mapped(addr: u128, bits: u32) -> bool {
    bits == 128 && addr >> 32 == 0xffff
}

/// An address as Go prints it.
fn show_ip(addr: u128, bits: u32) -> String {
    if bits == 32 || v4_mapped(addr, bits) {
        Ipv4Addr::from((addr & 0xffff_ffff) as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

/// A prefix as Go prints it (an IPv4-mapped one in IPv4 form).
fn show_net(addr: u128, bits: u32, prefix: u32) -> String {
    let prefix = if v4_mapped(addr, bits) {
        prefix.saturating_sub(96)
    } else {
        prefix
    };
    format!("{}/{prefix}", show_ip(addr, bits))
}

fn parse_v4(s: &str) -> Option<u128> {
    let mut addr = 0u128;
    let mut parts = 0;
    for part in s.split('.') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = part.trim_start_matches('0');
        let octet: u32 = if trimmed.is_empty() {
            0
        } else if trimmed.len() > 3 {
            return None;
        } else {
            trimmed.parse().ok()?
        };
        if octet > 255 {
            return None;
        }
        addr = addr << 8 | u128::from(octet);
        parts += 1;
    }
    (parts == 4).then_some(addr)
}

fn parse_cidr(s: &str) -> Result<Net, String> {
    let bad = || format!("invalid CIDR expression: invalid CIDR address: {s}");
    let (ip, prefix) = s.split_once('/').ok_or_else(bad)?;
    let (addr, bits) = match parse_v4(ip) {
        Some(a) => (a, 32),
        None => (u128::from(ip.parse::<Ipv6Addr>().map_err(|_| bad())?), 128),
    };
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let digits = prefix.trim_start_matches('0');
    let prefix: u32 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok().filter(|p| *p <= bits).ok_or_else(bad)?
    };
    Ok(Net {
        addr: addr & net_mask(prefix, bits),
        bits,
        prefix,
    })
}

fn prefix_arg(args: &[Value], i: usize) -> Result<Net, FnError> {
    let s = string(args, i)?;
    parse_cidr(&s).map_err(|m| {
        FnError::arg(i, m).with_help(
            "Write a prefix as an address and a length: \"10.0.0.0/16\" or \"fd00::/64\".",
        )
    })
}

/// Argument `i` as a whole number (beyond `i64` when it is exact).
fn whole(args: &[Value], i: usize) -> Result<i128, FnError> {
    let n = number(args, i)?;
    let bad = || FnError::arg(i, format!("expected a whole number, got {n}"));
    if !n.is_integer() {
        return Err(bad());
    }
    match n.as_i64() {
        Some(v) => Ok(i128::from(v)),
        None => {
            let f = n.as_f64();
            if f.abs() < 1.7e38 {
                Ok(f as i128)
            } else {
                Err(bad())
            }
        }
    }
}

/// `ip | num << shift` with Go's big-integer semantics: a negative `num`
/// ORs in its two's complement and the result is the absolute value.
fn insert(ip: u128, num: i128, shift: u32) -> Option<u128> {
    let magnitude = num.unsigned_abs();
    if shift >= 128 || (magnitude != 0 && magnitude.leading_zeros() < shift) {
        return if magnitude == 0 { Some(ip) } else { None };
    }
    let shifted = magnitude << shift;
    if num >= 0 {
        Some(ip | shifted)
    } else {
        Some((ip | shifted.wrapping_neg()).wrapping_neg())
    }
}

fn cidrsubnet(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let net = prefix_arg(&args, 0)?;
    let newbits = whole(&args, 1)?;
    let netnum = whole(&args, 2)?;
    let new_prefix = i128::from(net.prefix) + newbits;
    if new_prefix > i128::from(net.bits) {
        return Err(FnError::arg(
            1,
            format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                net.prefix
            ),
        ));
    }
    let new_prefix = u32::try_from(new_prefix).map_err(|_| {
        FnError::arg(
            1,
            format!(
                "expected newbits of at least -{}, got {newbits}",
                net.prefix
            ),
        )
    })?;
    // Go checks the low 64 bits of |netnum| against 2^newbits - 1.
    let max = u32::try_from(newbits)
        .ok()
        .filter(|b| *b < 64)
        .map_or(u64::MAX, |b| (1u64 << b) - 1);
    if (netnum.unsigned_abs() as u64) > max {
        return Err(FnError::arg(
            2,
            format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            ),
        ));
    }
    let addr = insert(net.addr, netnum, net.bits - new_prefix).ok_or_else(|| {
        FnError::arg(
            2,
            format!("subnet number {netnum} does not fit in the address"),
        )
    })?;
    Ok(Value::String(show_net(addr, net.bits, new_prefix)))
}

fn cidrhost(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let net = prefix_arg(&args, 0)?;
    let num = whole(&args, 1)?;
    let max = host_mask(net.prefix, net.bits);
    // Negative numbers count back from the last address: -1 is the last.
    let (check, host) = if num >= 0 {
        (num.unsigned_abs(), Some(num.unsigned_abs()))
    } else {
        let back = num.unsigned_abs() - 1;
        (back, max.checked_sub(back))
    };
    let host = host.filter(|_| check <= max).ok_or_else(|| {
        let shown = if num >= 0 {
            num.to_string()
        } else {
            (i128::try_from(max).unwrap_or(i128::MAX) - i128::try_from(check).unwrap_or(0))
                .to_string()
        };
        FnError::arg(
            1,
            format!(
                "prefix of {} does not accommodate a host numbered {shown}",
                net.prefix
            ),
        )
    })?;
    // Go inserts the host number at bit 32 of an IPv4-mapped address.
    let shift = if v4_mapped(net.addr, net.bits) { 96 } else { 0 };
    let addr = insert(net.addr, i128::try_from(host).unwrap_or(i128::MAX), shift)
        .ok_or_else(|| FnError::arg(1, format!("host number {num} does not fit in the address")))?;
    Ok(Value::String(show_ip(addr, net.bits)))
}

fn cidrnetmask(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let net = prefix_arg(&args, 0)?;
    if net.bits == 128 && !v4_mapped(net.addr, net.bits) {
        return Err(FnError::arg(
            0,
            format!(
                "expected an IPv4 prefix, got {}",
                show_net(net.addr, net.bits, net.prefix)
            ),
        )
        .with_help("IPv6 addresses cannot have a netmask."));
    }
    Ok(Value::String(show_ip(
        net_mask(net.prefix, net.bits),
        net.bits,
    )))
}

fn cidrsubnets(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let net = prefix_arg(&args, 0)?;
    let mut out = Vec::with_capacity(args.len().saturating_sub(1));
    // Start just below the network, so the first subnet is its first.
    let mut current: Option<(u128, u32)> = None;
    for i in 1..args.len() {
        let newbits = whole(&args, i)?;
        if newbits < 1 {
            return Err(FnError::arg(
                i,
                format!("expected newbits of at least 1, got {newbits}"),
            ));
        }
        if newbits > 32 {
            return Err(FnError::arg(
                i,
                format!("expected newbits of at most 32, got {newbits}"),
            ));
        }
        let len = i128::from(net.prefix) + newbits;
        let len = u32::try_from(len)
            .ok()
            .filter(|l| *l <= net.bits)
            .ok_or_else(|| {
                FnError::arg(
                    i,
                    format!(
                        "this would extend the prefix to {len} bits, too long for an {} address",
                        if net.bits == 32 { "IPv4" } else { "IPv6" }
                    ),
                )
            })?;
        let all = host_mask(0, net.bits);
        let (cur_addr, cur_len) = current.unwrap_or_else(|| {
            let below = net.addr.wrapping_sub(1) & all;
            (below & net_mask(len, net.bits), len)
        });
        let last = (cur_addr | host_mask(cur_len, net.bits)) & net_mask(len, net.bits);
        let next = ((last | host_mask(len, net.bits)).wrapping_add(1)) & all;
        if next == 0 || next & net_mask(net.prefix, net.bits) != net.addr {
            return Err(FnError::arg(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}",
                    show_net(cur_addr, net.bits, cur_len)
                ),
            ));
        }
        current = Some((next, len));
        out.push(Value::String(show_net(next, net.bits, len)));
    }
    Ok(Value::List(Type::String, out))
}
