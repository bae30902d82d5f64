//! What the request log prints, with secrets taken out. `Authorization` headers are never logged; query
//! values and JSON body fields whose names look secret are replaced by `REDACTED`.

use serde_json::Value;

/// Names (lower-cased) whose values are never printed.
fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n != "skiptoken"
        && (n == "sig"
            || n == "code"
            || n.contains("token")
            || n.contains("key")
            || n.contains("secret")
            || n.contains("password")
            || n.contains("sas"))
}

/// `path?query` with secret-looking query values redacted.
pub(crate) fn path_and_query(path: &str, query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return path.to_string();
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_name(&crate::respond::percent_decode(k)) => format!("{k}=REDACTED"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", redacted.join("&"))
}

/// A body for the trace log: JSON with secret-looking string fields redacted; anything else only by size
/// (it could hold anything).
pub(crate) fn body(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty)".to_string();
    }
    match crate::lenient::parse(bytes) {
        Ok(mut v) => {
            redact(&mut v);
            v.to_string()
        }
        Err(_) => format!("({} bytes, not JSON)", bytes.len()),
    }
}

fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_secret_name(k) && !val.is_null() {
                    *val = Value::String("REDACTED".into());
                } else {
                    redact(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            path_and_query("/a", Some("api-version=2021-01-01&sig=abc&skiptoken=x&accountKey=k")),
            "/a?api-version=2021-01-01&sig=REDACTED&skiptoken=x&accountKey=REDACTED"
        );
        assert_eq!(path_and_query("/a", None), "/a");
        assert_eq!(
            body(br#"{"AccessToken":"eyJ.x.y","size":"Standard","input":{"storageContainerReadListSas":"?sv=1"}}"#),
            r#"{"AccessToken":"REDACTED","input":{"storageContainerReadListSas":"REDACTED"},"size":"Standard"}"#
        );
        assert_eq!(body(b"id:key"), "(6 bytes, not JSON)");
        assert_eq!(body(b""), "(empty)");
    }
}
