//! The msgpack form of DynamicValue, type-driven as go-cty's `cty/msgpack`
//! (`marshal.go`, `unmarshal.go`, `unknown.go`, `dynamic.go`).

use super::{
    WireError, attr, attribute_type, complete_object, ctytype, key, mismatch, no_extra_attributes,
    set_of, tuple_len, wrapped_type,
};
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use infra_lang::value::{Number, PathStep};
use rmp::Marker;

/// How deep values may nest. The schema type bounds the depth, except for
/// `dynamic` values, whose type comes from the bytes themselves.
const MAX_DEPTH: usize = 256;

/// The bytes cty writes for an unknown value: a fixext1 of type 0 with a
/// zero body (go-cty `msgpack/unknown.go` `unknownValBytes`).
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

// ---------------------------------------------------------------- decode

/// Decodes `buf` as a value of type `ty`; trailing bytes are an error.
pub(super) fn decode(buf: &[u8], ty: &Type) -> Result<Value, WireError> {
    let mut r = Reader { buf, pos: 0 };
    let v = r.value(ty, 0)?;
    if r.pos != buf.len() {
        return Err(WireError::new(format!(
            "{} unexpected byte(s) after the value",
            buf.len() - r.pos
        )));
    }
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// What a marker introduces, for messages ("found a msgpack array").
fn marker_kind(m: Marker) -> &'static str {
    match m {
        Marker::Null => "nil",
        Marker::True | Marker::False => "a msgpack bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "a msgpack integer",
        Marker::F32 | Marker::F64 => "a msgpack float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "a msgpack string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "msgpack binary data",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "a msgpack array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "a msgpack map",
        Marker::Reserved => "the reserved msgpack byte 0xc1",
        // The eight extension markers (see `is_ext`).
        _ => "a msgpack extension",
    }
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| WireError::new("the msgpack data ends in the middle of a value"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn be(&mut self, n: usize) -> Result<u64, WireError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn marker(&mut self) -> Result<Marker, WireError> {
        Ok(Marker::from_u8(self.take(1)?[0]))
    }

    /// The length that follows a string/binary/array/map/ext marker, or
    /// `None` for another marker.
    fn len_of(&mut self, m: Marker) -> Result<Option<usize>, WireError> {
        Ok(Some(match m {
            Marker::FixStr(n) | Marker::FixArray(n) | Marker::FixMap(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 | Marker::Ext8 => self.be(1)? as usize,
            Marker::Str16 | Marker::Bin16 | Marker::Array16 | Marker::Map16 | Marker::Ext16 => {
                self.be(2)? as usize
            }
            Marker::Str32 | Marker::Bin32 | Marker::Array32 | Marker::Map32 | Marker::Ext32 => {
                self.be(4)? as usize
            }
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            _ => return Ok(None),
        }))
    }

    /// A collection's element count, capped by the bytes left (every
    /// element takes at least one byte) so a forged length cannot make us
    /// allocate.
    fn count(&mut self, m: Marker, want: &Type, array: bool) -> Result<usize, WireError> {
        let ok = if array {
            matches!(m, Marker::FixArray(_) | Marker::Array16 | Marker::Array32)
        } else {
            matches!(m, Marker::FixMap(_) | Marker::Map16 | Marker::Map32)
        };
        if !ok {
            return Err(mismatch(want, marker_kind(m)));
        }
        let n = self.len_of(m)?.unwrap_or(0);
        let per = if array { 1 } else { 2 };
        if n.saturating_mul(per) > self.buf.len() - self.pos {
            return Err(WireError::new(
                "the msgpack data ends in the middle of a collection",
            ));
        }
        Ok(n)
    }

    fn str(&mut self, m: Marker, want: &Type) -> Result<&'a str, WireError> {
        if !matches!(
            m,
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32
        ) {
            return Err(mismatch(want, marker_kind(m)));
        }
        let n = self.len_of(m)?.unwrap_or(0);
        std::str::from_utf8(self.take(n)?)
            .map_err(|_| WireError::new("a msgpack string is not valid UTF-8"))
    }

    fn key(&mut self) -> Result<String, WireError> {
        let m = self.marker()?;
        self.str(m, &Type::String)
            .map(str::to_string)
            .map_err(|e| WireError::new(format!("a map key: {}", e.message)))
    }

    fn number(&mut self, m: Marker) -> Result<Number, WireError> {
        Ok(match m {
            Marker::FixPos(n) => Number::Int(i64::from(n)),
            Marker::FixNeg(n) => Number::Int(i64::from(n)),
            Marker::U8 => Number::Int(self.be(1)? as i64),
            Marker::U16 => Number::Int(self.be(2)? as i64),
            Marker::U32 => Number::Int(self.be(4)? as i64),
            Marker::U64 => {
                let u = self.be(8)?;
                i64::try_from(u).map_or_else(
                    |_| Number::parse(&u.to_string()).unwrap_or(Number::Float(u as f64)),
                    Number::Int,
                )
            }
            Marker::I8 => Number::Int(i64::from(self.be(1)? as u8 as i8)),
            Marker::I16 => Number::Int(i64::from(self.be(2)? as u16 as i16)),
            Marker::I32 => Number::Int(i64::from(self.be(4)? as u32 as i32)),
            Marker::I64 => Number::Int(self.be(8)? as i64),
            Marker::F32 => float(f64::from(f32::from_bits(self.be(4)? as u32)))?,
            Marker::F64 => float(f64::from_bits(self.be(8)?))?,
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                // cty writes numbers beyond int64/float64 as decimal text,
                // read back at 512 bits as cty's `ParseNumberVal` does.
                let s = self.str(m, &Type::Number)?;
                Number::parse(s).ok_or_else(|| {
                    WireError::new("a number written as a string is not a decimal number")
                })?
            }
            m => return Err(mismatch(&Type::Number, marker_kind(m))),
        })
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, WireError> {
        if depth > MAX_DEPTH {
            return Err(WireError::new(format!(
                "values nest deeper than {MAX_DEPTH} levels"
            )));
        }
        let m = self.marker()?;
        if m == Marker::Null {
            return Ok(Value::Null(ty.clone()));
        }
        if is_ext(m) {
            // Any extension is an unknown: code 0 plain, code 12 with
            // refinements, which are dropped ("always safe to ignore").
            let n = self.len_of(m)?.unwrap_or(0);
            self.take(n.saturating_add(1))?;
            return Ok(Value::Unknown(ty.clone()));
        }
        match ty {
            Type::Any => {
                if self.count(m, ty, true)? != 2 {
                    return Err(WireError::new(
                        "a dynamic value must be a [type, value] pair",
                    ));
                }
                let tm = self.marker()?;
                let n = match tm {
                    Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => self.len_of(tm)?.unwrap_or(0),
                    Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                        self.len_of(tm)?.unwrap_or(0)
                    }
                    other => {
                        return Err(WireError::new(format!(
                            "a dynamic value's type must be bytes of type JSON, found {}",
                            marker_kind(other)
                        )));
                    }
                };
                let t = ctytype::from_bytes(self.take(n)?)?;
                self.value(&t, depth + 1)
            }
            Type::String => Ok(Value::String(self.str(m, ty)?.to_string())),
            Type::Number => Ok(Value::Number(self.number(m)?)),
            Type::Bool => match m {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                m => Err(mismatch(ty, marker_kind(m))),
            },
            Type::List(t) | Type::Set(t) => {
                let n = self.count(m, ty, true)?;
                let mut items = Vec::with_capacity(n);
                for i in 0..n {
                    items.push(
                        self.value(t, depth + 1)
                            .map_err(|e| e.at(PathStep::Index(i)))?,
                    );
                }
                Ok(match ty {
                    Type::Set(_) => set_of((**t).clone(), items),
                    _ => Value::List((**t).clone(), items),
                })
            }
            Type::Tuple(ts) => {
                let n = self.count(m, ty, true)?;
                tuple_len(n, ts)?;
                let mut items = Vec::with_capacity(n);
                for (i, t) in ts.iter().enumerate() {
                    items.push(
                        self.value(t, depth + 1)
                            .map_err(|e| e.at(PathStep::Index(i)))?,
                    );
                }
                Ok(Value::Tuple(items))
            }
            Type::Map(t) => {
                let n = self.count(m, ty, false)?;
                // Entries in wire order, sorted once at the end (`count`
                // bounds `n` by the bytes left).
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.key()?;
                    let v = self.value(t, depth + 1).map_err(|e| e.at(key(&k, false)))?;
                    out.push((k, v));
                }
                Ok(Value::Map((**t).clone(), out.into_iter().collect()))
            }
            Type::Object(o) => {
                let n = self.count(m, ty, false)?;
                let mut out = ValueMap::with_capacity(n.min(o.attrs.len()));
                for _ in 0..n {
                    let k = self.key()?;
                    let t = attribute_type(o, &k)?;
                    let v = self.value(t, depth + 1).map_err(|e| e.at(attr(&k)))?;
                    out.insert(k, v);
                }
                Ok(complete_object(out, o))
            }
        }
    }
}

fn is_ext(m: Marker) -> bool {
    matches!(
        m,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

fn float(f: f64) -> Result<Number, WireError> {
    if f.is_nan() {
        return Err(WireError::new("a number is NaN, which cty does not allow"));
    }
    Ok(Number::from_f64(f))
}

// ---------------------------------------------------------------- encode

/// Encodes `value` as a `ty`.
pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::new();
    put(&mut out, value, ty, false, 0)?;
    Ok(out)
}

/// A write into a `Vec` cannot fail; this turns rmp's `Result` into ours
/// without `unwrap`.
fn w<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<(), WireError> {
    r.map(|_| ())
        .map_err(|e| WireError::new(format!("msgpack write failed: {e}")))
}

fn len32(n: usize) -> Result<u32, WireError> {
    u32::try_from(n).map_err(|_| WireError::new("a collection too large for msgpack"))
}

/// Writes `v` as `ty`. `secret` is true under a sensitive mark: map keys
/// are then left out of error positions.
fn put(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    secret: bool,
    depth: usize,
) -> Result<(), WireError> {
    if depth > MAX_DEPTH {
        return Err(WireError::new(format!(
            "values nest deeper than {MAX_DEPTH} levels"
        )));
    }
    let found = || super::kind_of(v);
    if let Value::Sensitive(inner) = v {
        return put(out, inner, ty, true, depth);
    }
    if let Some(t) = wrapped_type(v, ty) {
        w(rmp::encode::write_array_len(out, 2))?;
        w(rmp::encode::write_bin(out, &ctytype::to_bytes(&t)))?;
        return put(out, v, &t, secret, depth + 1);
    }
    match v {
        Value::Null(_) => return w(rmp::encode::write_nil(out)),
        Value::Unknown(_) => {
            out.extend_from_slice(&UNKNOWN);
            return Ok(());
        }
        _ => {}
    }
    match ty {
        // A known value always has a type other than dynamic.
        Type::Any => Err(mismatch(ty, &found())),
        Type::String => match v {
            Value::String(s) => w(rmp::encode::write_str(out, s)),
            _ => Err(mismatch(ty, &found())),
        },
        Type::Bool => match v {
            Value::Bool(b) => w(rmp::encode::write_bool(out, *b)),
            _ => Err(mismatch(ty, &found())),
        },
        Type::Number => match v {
            Value::Number(n) => put_number(out, n),
            _ => Err(mismatch(ty, &found())),
        },
        Type::List(t) | Type::Set(t) => {
            let items = v.as_sequence().ok_or_else(|| mismatch(ty, &found()))?;
            w(rmp::encode::write_array_len(out, len32(items.len())?))?;
            for (i, item) in items.iter().enumerate() {
                put(out, item, t, secret, depth + 1).map_err(|e| e.at(PathStep::Index(i)))?;
            }
            Ok(())
        }
        Type::Tuple(ts) => {
            let items = v.as_sequence().ok_or_else(|| mismatch(ty, &found()))?;
            tuple_len(items.len(), ts)?;
            w(rmp::encode::write_array_len(out, len32(items.len())?))?;
            for (i, (item, t)) in items.iter().zip(ts).enumerate() {
                put(out, item, t, secret, depth + 1).map_err(|e| e.at(PathStep::Index(i)))?;
            }
            Ok(())
        }
        Type::Map(t) => {
            let m = v.as_mapping().ok_or_else(|| mismatch(ty, &found()))?;
            w(rmp::encode::write_map_len(out, len32(m.len())?))?;
            for (k, item) in m {
                w(rmp::encode::write_str(out, k))?;
                put(out, item, t, secret, depth + 1).map_err(|e| e.at(key(k, secret)))?;
            }
            Ok(())
        }
        Type::Object(o) => {
            let m = v.as_mapping().ok_or_else(|| mismatch(ty, &found()))?;
            no_extra_attributes(m.keys(), o)?;
            w(rmp::encode::write_map_len(out, len32(o.attrs.len())?))?;
            for (k, t) in &o.attrs {
                w(rmp::encode::write_str(out, k))?;
                match m.get(k) {
                    Some(item) => {
                        put(out, item, t, secret, depth + 1).map_err(|e| e.at(attr(k)))?
                    }
                    None => w(rmp::encode::write_nil(out))?,
                }
            }
            Ok(())
        }
    }
}

/// The floats that convert to an `i64` exactly when whole: [-2^63, 2^63).
const I64_RANGE: std::ops::Range<f64> = -9.223_372_036_854_776e18..9.223_372_036_854_776e18;

/// cty's number encoding: an int when the value is an exact int64, else a
/// float64 when that is exact and not whole (±Inf included), else the
/// decimal text (`Text('f', -1)`: big integers and 512-bit fractions). A
/// whole `Float` beyond int64 (a function's float64) stays a float64, which
/// cty reads back exactly, where its text would not be.
fn put_number(out: &mut Vec<u8>, n: &Number) -> Result<(), WireError> {
    match n {
        Number::Int(i) => w(rmp::encode::write_sint(out, *i)),
        Number::Float(f) if f.fract() == 0.0 && I64_RANGE.contains(f) => {
            w(rmp::encode::write_sint(out, *f as i64))
        }
        Number::Float(f) => w(rmp::encode::write_f64(out, *f)),
        Number::Big(b) if !b.is_integer() && Number::Float(b.to_f64()) == *n => {
            w(rmp::encode::write_f64(out, b.to_f64()))
        }
        other => w(rmp::encode::write_str(out, &other.to_string())),
    }
}
