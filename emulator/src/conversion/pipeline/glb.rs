//! The glTF binary container (GLB, glTF 2.0 §4.4): a 12-byte header, a JSON chunk and an optional BIN
//! chunk. The pipeline reads one to edit its JSON (settings) and to count what it holds (statistics),
//! and writes it back with the BIN chunk untouched.

use serde_json::Value;

const MAGIC: &[u8; 4] = b"glTF";
const CHUNK_JSON: u32 = 0x4E4F_534A;
const CHUNK_BIN: u32 = 0x004E_4942;

/// A parsed GLB: its JSON document and its binary chunk (empty when it has none).
#[derive(Debug)]
pub(super) struct Glb {
    pub json: Value,
    pub bin: Vec<u8>,
}

impl Glb {
    /// Parses GLB bytes, or says what is wrong with them.
    pub(super) fn parse(bytes: &[u8]) -> Result<Glb, String> {
        if bytes.len() < 20 || &bytes[..4] != MAGIC {
            return Err("not a glTF binary (no glTF header)".into());
        }
        let word = |at: usize| -> Option<u32> {
            bytes
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        if word(4) != Some(2) {
            return Err(format!("glTF binary version {} is not 2", word(4).unwrap_or(0)));
        }
        let mut json = None;
        let mut bin = Vec::new();
        let mut at = 12usize;
        while at + 8 <= bytes.len() {
            let length = word(at).unwrap_or(0) as usize;
            let kind = word(at + 4).unwrap_or(0);
            let body = bytes
                .get(at + 8..(at + 8).saturating_add(length))
                .ok_or("a glTF binary chunk runs past the end of the file")?;
            match kind {
                CHUNK_JSON if json.is_none() => {
                    json = Some(serde_json::from_slice::<Value>(body).map_err(|e| format!("glTF JSON chunk: {e}"))?)
                }
                CHUNK_BIN if bin.is_empty() => bin = body.to_vec(),
                _ => {}
            }
            at += 8 + length;
        }
        let json = json.ok_or("a glTF binary without its JSON chunk")?;
        if !json.is_object() {
            return Err("the glTF JSON chunk is not an object".into());
        }
        Ok(Glb { json, bin })
    }

    /// The GLB bytes: chunks padded to four bytes (JSON with spaces, BIN with zeros).
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec(&self.json).expect("JSON serialises");
        while json.len() % 4 != 0 {
            json.push(b' ');
        }
        let mut bin = self.bin.clone();
        while bin.len() % 4 != 0 {
            bin.push(0);
        }
        let total = 12 + 8 + json.len() + if bin.is_empty() { 0 } else { 8 + bin.len() };
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&2u32.to_le_bytes());
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&CHUNK_JSON.to_le_bytes());
        out.extend_from_slice(&json);
        if !bin.is_empty() {
            out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
            out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
            out.extend_from_slice(&bin);
        }
        out
    }

    /// The bytes of buffer view `index` of the BIN chunk (buffer 0 without a URI), if in range.
    pub(super) fn view_bytes(&self, index: usize) -> Option<&[u8]> {
        let view = self.json.get("bufferViews")?.get(index)?;
        if view.get("buffer").and_then(Value::as_u64).unwrap_or(0) != 0 {
            return None;
        }
        let offset = view.get("byteOffset").and_then(Value::as_u64).unwrap_or(0) as usize;
        let length = view.get("byteLength").and_then(Value::as_u64)? as usize;
        self.bin.get(offset..offset.checked_add(length)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_and_refusals() {
        let glb = Glb {
            json: json!({"asset": {"version": "2.0"}, "bufferViews": [{"buffer": 0, "byteOffset": 1, "byteLength": 2}]}),
            bin: vec![1, 2, 3],
        };
        let bytes = glb.to_bytes();
        assert_eq!(bytes.len() % 4, 0);
        let back = Glb::parse(&bytes).unwrap();
        assert_eq!(back.json, glb.json);
        assert_eq!(back.view_bytes(0), Some(&[2u8, 3][..]));
        assert!(Glb::parse(b"not a model at all")
            .unwrap_err()
            .contains("no glTF header"));
        let mut cut = bytes.clone();
        cut.truncate(30);
        assert!(Glb::parse(&cut).is_err());
    }
}
