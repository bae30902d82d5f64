//! A lenient JSON reader for request bodies, accepting what the service's .NET (Json.NET-style) reader
//! accepted: the legacy documentation's own PowerShell example sends
//! `{ 'maxLeaseTime': '4:0:0', 'models': [], 'size': 'standard' }` and the service answered 202.
//!
//! Why a hand-written normaliser rather than a crate such as `json5`: JSON5 accepts a much larger
//! language (hex numbers, `Infinity`, `+1`, multi-line strings) that the service never did, and pulling it
//! in would make the emulator accept bodies the real reader refused. This module only rewrites the few
//! extensions Json.NET's reader is known for into standard JSON, then hands the result to `serde_json`:
//!
//! * single-quoted strings and property names (`'size'`), with `\'` and `"` inside them;
//! * unquoted property names made of identifier characters (`{size: 'standard'}`);
//! * `//` line and `/* */` block comments outside strings;
//! * one trailing comma before `}` or `]`.
//!
//! Everything else (numbers, escapes, literals) is passed through unchanged for `serde_json` to judge, so
//! a malformed body still fails.

use serde_json::Value;

/// Parses `body` as JSON after normalising the extensions listed in the module documentation.
pub(crate) fn parse(body: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8: {e}"))?;
    // A byte-order mark is accepted by .NET readers.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalised = normalise(text)?;
    serde_json::from_str(&normalised).map_err(|e| e.to_string())
}

/// Rewrites the lenient syntax into standard JSON. Fails only on an unterminated string or comment.
pub(crate) fn normalise(text: &str) -> Result<String, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' => {
                i = copy_string(&chars, i, &mut out)?;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let mut j = i + 2;
                loop {
                    if j + 1 >= chars.len() {
                        return Err("unterminated comment".into());
                    }
                    if chars[j] == '*' && chars[j + 1] == '/' {
                        break;
                    }
                    j += 1;
                }
                i = j + 2;
                out.push(' ');
            }
            c if is_ident_start(c) && in_key_position(&out) => {
                let mut j = i;
                while j < chars.len() && is_ident_char(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                let mut k = j;
                while k < chars.len() && chars[k].is_whitespace() {
                    k += 1;
                }
                if chars.get(k) == Some(&':') {
                    out.push('"');
                    out.push_str(&word);
                    out.push('"');
                } else {
                    out.push_str(&word);
                }
                i = j;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(drop_trailing_commas(&out))
}

/// Removes a comma whose next significant character closes the container. `text` is standard JSON apart
/// from that (strings double-quoted, no comments).
fn drop_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if !matches!(next, Some('}' | ']')) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Copies the string starting at `chars[start]` (either quote) to `out` as a double-quoted JSON string;
/// returns the index after its closing quote.
fn copy_string(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let quote = chars[start];
    out.push('"');
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err("unterminated string".into());
            };
            if next == '\'' {
                // `\'` is not a JSON escape; the character itself needs none inside double quotes.
                out.push('\'');
            } else {
                out.push('\\');
                out.push(next);
            }
            i += 2;
            continue;
        }
        if c == quote {
            out.push('"');
            return Ok(i + 1);
        }
        if c == '"' {
            // Only reachable inside a single-quoted string.
            out.push_str("\\\"");
        } else {
            out.push(c);
        }
        i += 1;
    }
    Err("unterminated string".into())
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// A bare word is a property name only right after `{` or `,` (ignoring whitespace).
fn in_key_position(out: &str) -> bool {
    matches!(out.trim_end().chars().last(), Some('{' | ','))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seed_bodies_parse() {
        assert_eq!(
            parse(b"{ 'maxLeaseTime': '4:0:0', 'models': [], 'size': 'standard' }").unwrap(),
            json!({"maxLeaseTime": "4:0:0", "models": [], "size": "standard"})
        );
        assert_eq!(
            parse(b"{ 'maxLeaseTime': '5:0:0' }").unwrap(),
            json!({"maxLeaseTime": "5:0:0"})
        );
        assert_eq!(
            parse(br#"{"maxLeaseTimeMinutes": 60, "size": "Standard"}"#).unwrap(),
            json!({"maxLeaseTimeMinutes": 60, "size": "Standard"})
        );
    }

    #[test]
    fn quotes_inside_strings_survive() {
        assert_eq!(parse(br#"{'a': 'say "hi"'}"#).unwrap(), json!({"a": "say \"hi\""}));
        assert_eq!(parse(br"{'a': 'it\'s'}").unwrap(), json!({"a": "it's"}));
        assert_eq!(
            parse(br#"{"a": "it's, {b: 1}"}"#).unwrap(),
            json!({"a": "it's, {b: 1}"})
        );
        assert_eq!(parse(br#"{"a": "\u0041\n"}"#).unwrap(), json!({"a": "A\n"}));
    }

    #[test]
    fn unquoted_names_comments_and_trailing_commas() {
        assert_eq!(
            parse(b"{size: 'Premium', /* lease */ maxLeaseTimeMinutes: 5, // done\n}").unwrap(),
            json!({"size": "Premium", "maxLeaseTimeMinutes": 5})
        );
        assert_eq!(
            parse(b"{'models': [1, 2,], x: true}").unwrap(),
            json!({"models": [1, 2], "x": true})
        );
        assert_eq!(parse(b"{'a': null}").unwrap(), json!({"a": null}));
    }

    #[test]
    fn malformed_bodies_still_fail() {
        assert!(parse(b"{'a': 'open").is_err());
        assert!(parse(b"{'a' 1}").is_err());
        assert!(parse(b"{a: tru}").is_err());
        assert!(parse(b"not json").is_err());
        assert!(parse(b"/* open").is_err());
        assert!(parse(&[0xff, 0xfe]).is_err());
    }
}
