//! Where the library's size goes: the code and data symbols of the static library, summed per crate (and
//! per module of arr-session), read with `nm`. The static library is what the cdylib is linked from, so
//! the shares say which crate or feature a megabyte comes from; the sums are before the linker drops
//! unused sections, so they add up to more than the stripped cdylib.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// `(name, bytes)`, largest first: crates by their path's first segment, and `arr_session::<module>` for
/// the library's own modules (the core's and the FFI crate's share the crate name).
pub fn by_crate(staticlib: &Path) -> Result<Vec<(String, u64)>, String> {
    if !staticlib.exists() {
        return Err(format!("{} is not built", staticlib.display()));
    }
    let output = Command::new("nm")
        .args(["--print-size", "--demangle"])
        .arg(staticlib)
        .output()
        .map_err(|e| format!("nm: {e}"))?;
    if !output.status.success() {
        return Err(format!("nm failed on {}", staticlib.display()));
    }
    Ok(sum_by_owner(&String::from_utf8_lossy(&output.stdout)))
}

/// Sums the sizes of `nm --print-size --demangle` lines per owner (see [`owner`]).
fn sum_by_owner(listing: &str) -> Vec<(String, u64)> {
    let mut sums: BTreeMap<String, u64> = BTreeMap::new();
    for line in listing.lines() {
        let mut fields = line.splitn(4, ' ');
        let (Some(_address), Some(size), Some(kind), Some(name)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !matches!(kind, "t" | "T" | "r" | "R" | "d" | "D") {
            continue;
        }
        let Ok(size) = u64::from_str_radix(size, 16) else {
            continue;
        };
        *sums.entry(owner(name)).or_default() += size;
    }
    let mut sorted: Vec<(String, u64)> = sums.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
}

/// The crate a demangled symbol belongs to (`<impl X for Y>` counts for `Y`'s crate), with the module for
/// arr_session's own symbols; `(unnamed)` for symbols without a Rust path (C code, literals).
fn owner(name: &str) -> String {
    let path = name.trim_start_matches(['<', '&', '*']).trim_start_matches("dyn ");
    let Some((krate, rest)) = path.split_once("::") else {
        return "(unnamed)".into();
    };
    if !krate.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || krate.is_empty() {
        return "(unnamed)".into();
    }
    if krate == "arr_session" {
        let module: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        return format!("arr_session::{module}");
    }
    krate.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_summed_per_crate_and_per_module_of_arr_session() {
        let listing = "\
0000000000000000 0000000000000100 T rustls::conn::Connection::read
0000000000000000 0000000000000050 t <rustls::x::Y as core::fmt::Debug>::fmt
0000000000000000 0000000000000040 T arr_session::doctor::diagnose
0000000000000000 0000000000000020 r arr_session::doctor::CHECKS
0000000000000000 0000000000000010 T arr_session::engine::registry::lock
0000000000000000 0000000000000008 U rustls::undefined
0000000000000000 0000000000000004 b tokio::bss_counts_nothing
0000000000000000 0000000000000002 T memcpy_helper
";
        assert_eq!(
            sum_by_owner(listing),
            vec![
                ("rustls".to_string(), 0x150),
                ("arr_session::doctor".to_string(), 0x60),
                ("arr_session::engine".to_string(), 0x10),
                ("(unnamed)".to_string(), 0x2),
            ]
        );
    }
}
