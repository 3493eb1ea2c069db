//! OVF, the vector-field format of OOMMF, MuMax3 and Spirit: versions 2.0 and 1.0, text and
//! binary data (4 or 8 bytes per value), one or more segments. lso reads 2-D fields of three
//! components (one layer in z) and writes OVF 2.0, so a relaxed state from any of those codes can
//! come in and an lso texture can go out.
//!
//! The layout is x fastest, then y, then z: the order of lso's `(Ly, Lx, 3)` arrays. A binary
//! block opens with a check value (1234567.0 in 4 bytes, 123456789012345.0 in 8), little-endian
//! in OVF 2.0 and big-endian in 1.0; a wrong one means the file is not what its header says.

use crate::PhysicsError;

/// How the data block of a written file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OvfFormat {
    Text,
    Binary4,
    Binary8,
}

impl OvfFormat {
    fn label(self) -> &'static str {
        match self {
            OvfFormat::Text => "Text",
            OvfFormat::Binary4 => "Binary 4",
            OvfFormat::Binary8 => "Binary 8",
        }
    }
}

/// The fields of a file: `spins.len() == segments × nx × ny`, segment after segment.
#[derive(Clone, Debug, PartialEq)]
pub struct OvfField {
    pub nx: usize,
    pub ny: usize,
    pub spins: Vec<[f64; 3]>,
}

impl OvfField {
    pub fn segments(&self) -> usize {
        self.spins.len() / (self.nx * self.ny)
    }
}

const CHECK4: f32 = 1_234_567.0;
const CHECK8: f64 = 123_456_789_012_345.0;

fn err(msg: impl Into<String>) -> PhysicsError {
    PhysicsError::Ovf(msg.into())
}

/// One segment of OVF 2.0 holding the field `spins` (x fastest) of an `nx × ny × 1` mesh.
pub fn encode(spins: &[[f64; 3]], nx: usize, ny: usize, title: &str, format: OvfFormat) -> Vec<u8> {
    assert_eq!(spins.len(), nx * ny, "an OVF segment holds nx × ny vectors");
    let title: String = title.chars().filter(|c| !c.is_control()).collect();
    let mut head = String::from("# OOMMF OVF 2.0\n# Segment count: 1\n# Begin: Segment\n# Begin: Header\n");
    for line in [
        format!("Title: {title}"),
        "meshtype: rectangular".into(),
        "meshunit: 1".into(),
        "xmin: 0".into(),
        "ymin: 0".into(),
        "zmin: 0".into(),
        format!("xmax: {nx}"),
        format!("ymax: {ny}"),
        "zmax: 1".into(),
        "valuedim: 3".into(),
        "valuelabels: m_x m_y m_z".into(),
        "valueunits: 1 1 1".into(),
        "xbase: 0.5".into(),
        "ybase: 0.5".into(),
        "zbase: 0.5".into(),
        format!("xnodes: {nx}"),
        format!("ynodes: {ny}"),
        "znodes: 1".into(),
        "xstepsize: 1".into(),
        "ystepsize: 1".into(),
        "zstepsize: 1".into(),
    ] {
        head.push_str("# ");
        head.push_str(&line);
        head.push('\n');
    }
    head.push_str("# End: Header\n");
    head.push_str(&format!("# Begin: Data {}\n", format.label()));
    let mut out = head.into_bytes();
    match format {
        OvfFormat::Text => {
            for v in spins {
                // `{:e}` is the shortest form that reads back to the same f64.
                out.extend_from_slice(format!("{:e} {:e} {:e}\n", v[0], v[1], v[2]).as_bytes());
            }
        }
        OvfFormat::Binary4 => {
            out.extend_from_slice(&CHECK4.to_le_bytes());
            for c in spins.iter().flatten() {
                out.extend_from_slice(&(*c as f32).to_le_bytes());
            }
            out.push(b'\n');
        }
        OvfFormat::Binary8 => {
            out.extend_from_slice(&CHECK8.to_le_bytes());
            for c in spins.iter().flatten() {
                out.extend_from_slice(&c.to_le_bytes());
            }
            out.push(b'\n');
        }
    }
    out.extend_from_slice(format!("# End: Data {}\n# End: Segment\n", format.label()).as_bytes());
    out
}

/// The header keys a data block needs, as the current segment declared them.
#[derive(Default)]
struct Header {
    nodes: [Option<usize>; 3],
    valuedim: Option<usize>,
    irregular: bool,
}

impl Header {
    fn set(&mut self, key: &str, value: &str, line: usize) -> Result<(), PhysicsError> {
        let count = || {
            value
                .parse::<usize>()
                .map_err(|_| err(format!("line {line}: {key} must be a whole number, got {value:?}")))
        };
        match key {
            "xnodes" => self.nodes[0] = Some(count()?),
            "ynodes" => self.nodes[1] = Some(count()?),
            "znodes" => self.nodes[2] = Some(count()?),
            "valuedim" => self.valuedim = Some(count()?),
            "meshtype" => self.irregular = value.eq_ignore_ascii_case("irregular"),
            _ => {}
        }
        Ok(())
    }

    /// `(nx, ny)` of a 2-D field of 3-vectors, or why the segment is not one.
    fn plane(&self, version: u8, line: usize) -> Result<(usize, usize), PhysicsError> {
        if self.irregular {
            return Err(err(format!(
                "line {line}: irregular meshes are not supported (rectangular only)"
            )));
        }
        let names = ["xnodes", "ynodes", "znodes"];
        let mut n = [0usize; 3];
        for k in 0..3 {
            n[k] = self.nodes[k].ok_or_else(|| err(format!("line {line}: the header gives no {}", names[k])))?;
            if n[k] == 0 {
                return Err(err(format!("line {line}: {} is 0", names[k])));
            }
        }
        if n[2] != 1 {
            return Err(err(format!(
                "line {line}: znodes = {}: lso reads 2-D fields (one layer in z)",
                n[2]
            )));
        }
        // OVF 1.0 has no valuedim: its fields are always vectors.
        let dim = if version == 1 {
            self.valuedim.unwrap_or(3)
        } else {
            self.valuedim.unwrap_or(0)
        };
        if dim != 3 {
            return Err(err(format!(
                "line {line}: valuedim = {dim}: lso reads fields of 3-vectors"
            )));
        }
        Ok((n[0], n[1]))
    }
}

/// Splits `bytes` into lines from `pos`; returns the line (without `\r\n`) and the next position.
fn next_line(bytes: &[u8], pos: usize) -> (&[u8], usize) {
    let rest = &bytes[pos..];
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let line = &rest[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    (line, (pos + end + 1).min(bytes.len()))
}

/// `# key: value` with the key lower-cased and stripped of spaces; an OVF 2.0 `##` comment after
/// the value is dropped.
fn header_entry(line: &str) -> Option<(String, String)> {
    let body = line.strip_prefix('#')?;
    let body = body.split("##").next().unwrap_or("");
    let (key, value) = body.split_once(':')?;
    let key: String = key
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    Some((key, value.trim().to_string()))
}

/// Reads every segment of an OVF 1.0 or 2.0 file of 2-D vector fields. Sizes are checked against
/// the bytes present before anything is allocated, so a corrupt header cannot exhaust memory.
pub fn decode(bytes: &[u8]) -> Result<OvfField, PhysicsError> {
    let (first, mut pos) = next_line(bytes, 0);
    let first = String::from_utf8_lossy(first).to_ascii_lowercase();
    let first: String = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let version = if first.starts_with("# oommf ovf 2.0") {
        2
    } else if first.starts_with("# oommf: rectangular mesh v1.0") || first.starts_with("# oommf ovf 1.0") {
        1
    } else {
        return Err(err("not an OVF file: the first line should be \"# OOMMF OVF 2.0\""));
    };
    let mut line_no = 1;
    let mut header = Header::default();
    let mut plane: Option<(usize, usize)> = None;
    let mut spins: Vec<[f64; 3]> = Vec::new();
    while pos < bytes.len() {
        let (raw, next) = next_line(bytes, pos);
        pos = next;
        line_no += 1;
        let line = String::from_utf8_lossy(raw);
        let line = line.trim();
        if line.is_empty() || line.starts_with("##") {
            continue;
        }
        if !line.starts_with('#') {
            return Err(err(format!(
                "line {line_no}: data outside a data block: {:?}",
                clip(line)
            )));
        }
        let Some((key, value)) = header_entry(line) else {
            continue;
        };
        let value_lc = value.to_ascii_lowercase();
        let value_lc: String = value_lc.split_whitespace().collect::<Vec<_>>().join(" ");
        match (key.as_str(), value_lc.as_str()) {
            ("begin", "segment") => header = Header::default(),
            ("begin", data) if data.starts_with("data") => {
                let (nx, ny) = header.plane(version, line_no)?;
                if let Some(p) = plane {
                    if p != (nx, ny) {
                        return Err(err(format!(
                            "line {line_no}: segments differ in size ({}×{} after {}×{})",
                            nx, ny, p.0, p.1
                        )));
                    }
                }
                plane = Some((nx, ny));
                let values = nx
                    .checked_mul(ny)
                    .and_then(|n| n.checked_mul(3))
                    .ok_or_else(|| err(format!("line {line_no}: {nx}×{ny} nodes overflow")))?;
                let block = match data {
                    "data text" => read_text(bytes, &mut pos, &mut line_no, values)?,
                    "data binary 4" => read_binary(bytes, &mut pos, values, 4, version, line_no)?,
                    "data binary 8" => read_binary(bytes, &mut pos, values, 8, version, line_no)?,
                    other => return Err(err(format!("line {line_no}: unknown data block \"{other}\""))),
                };
                spins.extend(block.chunks_exact(3).map(|c| [c[0], c[1], c[2]]));
            }
            _ => header.set(&key, &value, line_no)?,
        }
    }
    let Some((nx, ny)) = plane else {
        return Err(err("no data block (\"# Begin: Data Text\" or \"Binary 4/8\")"));
    };
    Ok(OvfField { nx, ny, spins })
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A text block up to `# End: Data Text`: `values` numbers, whitespace-separated, `#` comments.
fn read_text(bytes: &[u8], pos: &mut usize, line_no: &mut usize, values: usize) -> Result<Vec<f64>, PhysicsError> {
    // Every number takes at least two bytes (a digit and a separator).
    if values > (bytes.len() - *pos) / 2 + 1 {
        return Err(err(format!(
            "line {line_no}: the header promises {values} values but only {} bytes follow",
            bytes.len() - *pos
        )));
    }
    let start = *line_no;
    let mut out = Vec::with_capacity(values);
    while *pos < bytes.len() {
        let (raw, next) = next_line(bytes, *pos);
        *pos = next;
        *line_no += 1;
        let line = String::from_utf8_lossy(raw);
        let line = line.trim();
        if let Some((key, value)) = header_entry(line) {
            if key == "end" && value.to_ascii_lowercase().starts_with("data") {
                return finish(out, values, start);
            }
        }
        let data = line.split('#').next().unwrap_or("");
        for word in data.split_whitespace() {
            let v: f64 = word
                .parse()
                .map_err(|_| err(format!("line {line_no}: {:?} is not a number", clip(word))))?;
            if out.len() == values {
                return Err(err(format!(
                    "line {line_no}: more than the {values} values the header promises"
                )));
            }
            out.push(v);
        }
    }
    Err(err(format!(
        "the text block opened at line {start} has no \"# End: Data Text\""
    )))
}

fn finish(out: Vec<f64>, values: usize, start: usize) -> Result<Vec<f64>, PhysicsError> {
    if out.len() != values {
        return Err(err(format!(
            "the data block at line {start} holds {} values; the header promises {values}",
            out.len()
        )));
    }
    if let Some(i) = out.iter().position(|v| !v.is_finite()) {
        return Err(err(format!(
            "the data block at line {start} holds {} at value {i}",
            out[i]
        )));
    }
    Ok(out)
}

fn read_binary(
    bytes: &[u8],
    pos: &mut usize,
    values: usize,
    width: usize,
    version: u8,
    line_no: usize,
) -> Result<Vec<f64>, PhysicsError> {
    let have = bytes.len() - *pos;
    let need = values.checked_add(1).and_then(|n| n.checked_mul(width));
    let need = match need {
        Some(n) if n <= have => n,
        _ => {
            return Err(err(format!(
                "line {line_no}: truncated: the binary block needs {} values of {width} bytes, {have} bytes follow",
                values as u128 + 1
            )))
        }
    };
    let data = &bytes[*pos..*pos + need];
    let value = |chunk: &[u8]| -> f64 {
        match (width, version) {
            (4, 2) => f32::from_le_bytes(chunk.try_into().expect("4 bytes")) as f64,
            (4, _) => f32::from_be_bytes(chunk.try_into().expect("4 bytes")) as f64,
            (_, 2) => f64::from_le_bytes(chunk.try_into().expect("8 bytes")),
            _ => f64::from_be_bytes(chunk.try_into().expect("8 bytes")),
        }
    };
    let check = value(&data[..width]);
    let expected = if width == 4 { CHECK4 as f64 } else { CHECK8 };
    if check != expected {
        return Err(err(format!(
            "line {line_no}: binary check value is {check}, expected {expected}: wrong byte order or a corrupt file"
        )));
    }
    let out: Vec<f64> = data[width..].chunks_exact(width).map(value).collect();
    *pos += need;
    // The block ends with a newline before its `# End: Data` line.
    if bytes.get(*pos) == Some(&b'\n') {
        *pos += 1;
    }
    finish(out, values, line_no)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(nx: usize, ny: usize) -> Vec<[f64; 3]> {
        (0..nx * ny)
            .map(|i| {
                let (t, p) = (0.3 + 0.1 * i as f64, 0.7 * i as f64);
                [t.sin() * p.cos(), t.sin() * p.sin(), t.cos()]
            })
            .collect()
    }

    #[test]
    fn every_format_round_trips() {
        let s = field(5, 3);
        for (fmt, tol) in [
            (OvfFormat::Text, 0.0),
            (OvfFormat::Binary8, 0.0),
            (OvfFormat::Binary4, 1e-7),
        ] {
            let f = decode(&encode(&s, 5, 3, "t", fmt)).unwrap();
            assert_eq!((f.nx, f.ny, f.segments()), (5, 3, 1));
            for (a, b) in f.spins.iter().zip(&s) {
                for c in 0..3 {
                    assert!((a[c] - b[c]).abs() <= tol, "{fmt:?}: {a:?} vs {b:?}");
                }
            }
        }
    }

    #[test]
    fn binary_blocks_carry_their_check_values() {
        let b4 = encode(&field(2, 2), 2, 2, "t", OvfFormat::Binary4);
        let at = b4.windows(14).position(|w| w == b"Data Binary 4\n").unwrap() + 14;
        assert_eq!(&b4[at..at + 4], &1_234_567f32.to_le_bytes());
        let b8 = encode(&field(2, 2), 2, 2, "t", OvfFormat::Binary8);
        let at = b8.windows(14).position(|w| w == b"Data Binary 8\n").unwrap() + 14;
        assert_eq!(&b8[at..at + 8], &123_456_789_012_345f64.to_le_bytes());
    }

    #[test]
    fn reads_several_segments_comments_and_ovf1_big_endian() {
        let s = field(3, 2);
        let mut two = encode(&s, 3, 2, "a", OvfFormat::Text);
        two.extend(
            encode(&s, 3, 2, "b", OvfFormat::Binary8)
                .split(|&b| b == b'\n')
                .skip(1)
                .collect::<Vec<_>>()
                .join(&b'\n'),
        );
        let f = decode(&two).unwrap();
        assert_eq!(f.segments(), 2);
        assert_eq!(f.spins[6..], s[..]);
        // OVF 1.0 binary is big-endian and has no valuedim.
        let mut v1 = b"# OOMMF: rectangular mesh v1.0\n## a comment\n# Begin: Segment\n# xnodes: 1\n# ynodes: 1\n# znodes: 1\n# Begin: Data Binary 4\n".to_vec();
        v1.extend_from_slice(&1_234_567f32.to_be_bytes());
        for c in [0.0f32, 0.6, 0.8] {
            v1.extend_from_slice(&c.to_be_bytes());
        }
        v1.extend_from_slice(b"\n# End: Data Binary 4\n# End: Segment\n");
        assert_eq!(decode(&v1).unwrap().spins, vec![[0.0, 0.6f32 as f64, 0.8f32 as f64]]);
    }

    #[test]
    fn bad_files_name_their_problem() {
        let good = String::from_utf8(encode(&field(2, 2), 2, 2, "t", OvfFormat::Text)).unwrap();
        let cases = [
            ("hello", "not an OVF file"),
            (&good.replace("# znodes: 1", "# znodes: 4"), "znodes = 4"),
            (&good.replace("# valuedim: 3", "# valuedim: 1"), "valuedim = 1"),
            (&good.replace("# xnodes: 2", "# xnodes: two"), "whole number"),
            (&good.replace("# xnodes: 2", "# xnodes: 99999999999"), "promises"),
            (&good.replace("# ynodes: 2\n", ""), "no ynodes"),
            (&good.replacen("e0 ", "x ", 1), "is not a number"),
            (&good.replace("# End: Data Text\n", ""), "has no \"# End: Data Text\""),
            (
                &good.replace("# Begin: Data Text", "# Begin: Data Binary 4"),
                "check value",
            ),
            (
                &good.replace("# Begin: Data Text", "# Begin: Data Binary 8"),
                "check value",
            ),
            (
                &good.replace("# xnodes: 2", "# xnodes: 3"),
                "holds 12 values; the header promises 18",
            ),
            (
                &good.replace("meshtype: rectangular", "meshtype: irregular"),
                "irregular",
            ),
            (&good[..good.find("# Begin: Data").unwrap()], "no data block"),
        ];
        for (text, want) in cases {
            let e = decode(text.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(want), "{want:?} not in {e:?}");
        }
        let mut b = encode(&field(2, 2), 2, 2, "t", OvfFormat::Binary8);
        b.truncate(b.len() - 40);
        assert!(decode(&b).unwrap_err().to_string().contains("truncated"));
        let body = good.find("# Begin: Data Text\n").unwrap() + 19;
        let first = good[body..].find(' ').unwrap();
        let nan = format!("{}NaN{}", &good[..body], &good[body + first..]);
        assert!(decode(nan.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("holds NaN at value 0"));
    }
}
