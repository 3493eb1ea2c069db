//! The `.npy` format (versions 1–3, little-endian, C order): enough of it to exchange arrays with
//! numpy and PyTorch without a dependency, and to say precisely what is wrong with a bad file.

use crate::PhysicsError;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Element types lso reads and writes.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyData {
    I8(Vec<i8>),
    U8(Vec<u8>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub data: NpyData,
}

impl NpyData {
    pub fn len(&self) -> usize {
        match self {
            NpyData::I8(v) => v.len(),
            NpyData::U8(v) => v.len(),
            NpyData::I32(v) => v.len(),
            NpyData::I64(v) => v.len(),
            NpyData::F32(v) => v.len(),
            NpyData::F64(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Element `i` as f64 (exact for every supported type but large i64).
    pub fn get_f64(&self, i: usize) -> f64 {
        match self {
            NpyData::I8(v) => v[i] as f64,
            NpyData::U8(v) => v[i] as f64,
            NpyData::I32(v) => v[i] as f64,
            NpyData::I64(v) => v[i] as f64,
            NpyData::F32(v) => v[i] as f64,
            NpyData::F64(v) => v[i],
        }
    }
    pub fn dtype(&self) -> &'static str {
        match self {
            NpyData::I8(_) => "|i1",
            NpyData::U8(_) => "|u1",
            NpyData::I32(_) => "<i4",
            NpyData::I64(_) => "<i8",
            NpyData::F32(_) => "<f4",
            NpyData::F64(_) => "<f8",
        }
    }
}

/// A type that can be written as an `.npy` element.
pub trait Element: Copy {
    const DESCR: &'static str;
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! element {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DESCR: &'static str = $d;
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    };
}
element!(i8, "|i1");
element!(u8, "|u1");
element!(i32, "<i4");
element!(i64, "<i8");
element!(f32, "<f4");
element!(f64, "<f8");

/// Encodes a C-order array as version-1.0 `.npy` bytes.
pub fn encode<T: Element>(shape: &[usize], data: &[T]) -> Vec<u8> {
    assert_eq!(
        shape.iter().product::<usize>(),
        data.len(),
        "npy::encode: shape does not match data length"
    );
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
        ),
    };
    let mut header = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {dims}, }}", T::DESCR);
    // Pad so the data starts on a 64-byte boundary, as numpy does.
    let unpadded = MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len() + std::mem::size_of_val(data));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &x in data {
        x.put(&mut out);
    }
    out
}

fn dict_value<'a>(header: &'a str, key: &str) -> Result<&'a str, PhysicsError> {
    let pat = format!("'{key}':");
    let start = header
        .find(&pat)
        .ok_or_else(|| PhysicsError::NotNpy(format!("header has no {key:?} entry")))?
        + pat.len();
    Ok(header[start..].trim_start())
}

/// Decodes `.npy` bytes.
pub fn decode(bytes: &[u8]) -> Result<NpyArray, PhysicsError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(PhysicsError::NotNpy("missing the \\x93NUMPY magic string".into()));
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(PhysicsError::NotNpy(format!("unsupported format version {v}"))),
    };
    let data_start = header_start + header_len;
    if bytes.len() < data_start {
        return Err(PhysicsError::NotNpy("header is cut short".into()));
    }
    let header = std::str::from_utf8(&bytes[header_start..data_start])
        .map_err(|_| PhysicsError::NotNpy("header is not text".into()))?;

    let descr_v = dict_value(header, "descr")?;
    let descr = descr_v
        .strip_prefix('\'')
        .and_then(|s| s.split('\'').next())
        .ok_or_else(|| PhysicsError::NotNpy("unreadable descr".into()))?;
    if dict_value(header, "fortran_order")?.starts_with("True") {
        return Err(PhysicsError::UnsupportedLayout(
            "Fortran order (save with np.ascontiguousarray)".into(),
        ));
    }
    let shape_v = dict_value(header, "shape")?;
    let inner = shape_v
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| PhysicsError::NotNpy("unreadable shape".into()))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| PhysicsError::NotNpy(format!("unreadable shape ({inner})")))?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| PhysicsError::NotNpy("shape overflows".into()))?;

    let size = match descr {
        "|i1" | "|u1" | "|b1" => 1,
        "<i4" | "<f4" => 4,
        "<i8" | "<f8" => 8,
        other => return Err(PhysicsError::UnsupportedDtype(other.to_string())),
    };
    let body = &bytes[data_start..];
    let expected = count
        .checked_mul(size)
        .ok_or_else(|| PhysicsError::NotNpy("shape overflows".into()))?;
    if body.len() < expected {
        return Err(PhysicsError::Truncated {
            expected,
            found: body.len(),
        });
    }
    let body = &body[..expected];
    macro_rules! read {
        ($t:ty, $n:expr) => {
            body.chunks_exact($n)
                .map(|c| <$t>::from_le_bytes(c.try_into().unwrap()))
                .collect()
        };
    }
    let data = match descr {
        "|i1" => NpyData::I8(body.iter().map(|&b| b as i8).collect()),
        "|u1" | "|b1" => NpyData::U8(body.to_vec()),
        "<i4" => NpyData::I32(read!(i32, 4)),
        "<i8" => NpyData::I64(read!(i64, 8)),
        "<f4" => NpyData::F32(read!(f32, 4)),
        _ => NpyData::F64(read!(f64, 8)),
    };
    Ok(NpyArray { shape, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_type() {
        let a = decode(&encode(&[2, 3], &[1i8, -1, 1, 1, -1, -1])).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data, NpyData::I8(vec![1, -1, 1, 1, -1, -1]));
        let b = decode(&encode(&[3], &[0.5f64, -2.0, 1e300])).unwrap();
        assert_eq!(b.data, NpyData::F64(vec![0.5, -2.0, 1e300]));
        assert_eq!(b.shape, vec![3]);
        let c = decode(&encode(&[2, 1], &[7i32, -9])).unwrap();
        assert_eq!(c.data, NpyData::I32(vec![7, -9]));
        let d = decode(&encode::<f32>(&[0, 4], &[])).unwrap();
        assert_eq!(d.shape, vec![0, 4]);
    }

    #[test]
    fn header_is_aligned() {
        let bytes = encode(&[5], &[1u8; 5]);
        assert_eq!((bytes.len() - 5) % 64, 0);
    }

    /// Bytes written by numpy 1.26: `np.save(f, np.array([[1, -1]], dtype=np.int8))`.
    #[test]
    fn reads_numpy_output() {
        let mut bytes = b"\x93NUMPY\x01\x00v\x00{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2), }".to_vec();
        bytes.resize(10 + 0x76 - 1, b' ');
        bytes.push(b'\n');
        bytes.extend_from_slice(&[1, 0xff]);
        let a = decode(&bytes).unwrap();
        assert_eq!(a.shape, vec![1, 2]);
        assert_eq!(a.data, NpyData::I8(vec![1, -1]));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(matches!(decode(b"hello world"), Err(PhysicsError::NotNpy(_))));
        let full = encode(&[4], &[1.0f64; 4]);
        assert!(matches!(
            decode(&full[..full.len() - 3]),
            Err(PhysicsError::Truncated {
                expected: 32,
                found: 29
            })
        ));
        let c = encode(&[2], &[1u8, 2]);
        let swap = |from: &[u8], to: &[u8]| {
            let at = c.windows(from.len()).position(|w| w == from).unwrap();
            let mut v = c.clone();
            v[at..at + to.len()].copy_from_slice(to);
            v
        };
        assert!(matches!(
            decode(&swap(b"|u1", b"<c8")),
            Err(PhysicsError::UnsupportedDtype(_))
        ));
        assert!(matches!(
            decode(&swap(b"False", b"True ")),
            Err(PhysicsError::UnsupportedLayout(_))
        ));
    }
}
