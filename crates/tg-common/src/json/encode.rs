//! Compact JSON encoding, byte for byte what `serde_json::to_string` writes, with a string
//! escaper that skips eight bytes at a time where nothing needs escaping (serde_json looks at
//! every byte). Numbers, `null` and booleans are written by serde_json's own formatter.

use serde::ser::{self, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};

/// Why a value cannot be written as JSON (a map key that is not a string, a number or a bool;
/// an error of the value's own `Serialize`).
#[derive(Debug)]
pub(crate) struct EncodeError(String);

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        EncodeError(msg.to_string())
    }
}

/// serde_json's name for a raw value: its text is written as is.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// `value` as compact JSON.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, EncodeError> {
    let mut writer = Writer {
        out: Vec::with_capacity(256),
    };
    value.serialize(&mut writer)?;
    String::from_utf8(writer.out).map_err(|e| EncodeError(e.to_string()))
}

/// What `\` escape a byte needs: 0 none, `u` a `\u00XX` form, else the letter after `\`.
const fn escape_table() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
}

static ESCAPE: [u8; 256] = escape_table();

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `chunk` is a control character, `"` or `\`.
fn needs_escape(chunk: u64) -> bool {
    let zero_in = |v: u64| v.wrapping_sub(LOW) & !v & HIGH;
    let control = chunk.wrapping_sub(LOW * 0x20) & !chunk & HIGH;
    (control | zero_in(chunk ^ (LOW * u64::from(b'"'))) | zero_in(chunk ^ (LOW * u64::from(b'\\'))))
        != 0
}

fn write_escaped(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        if let Some(chunk) = bytes
            .get(at..at + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            && !needs_escape(u64::from_le_bytes(chunk))
        {
            at += 8;
            continue;
        }
        let byte = bytes[at];
        let escape = ESCAPE[usize::from(byte)];
        if escape != 0 {
            out.extend_from_slice(&bytes[start..at]);
            if escape == b'u' {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            } else {
                out.push(b'\\');
                out.push(escape);
            }
            start = at + 1;
        }
        at += 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Writes serde's data model as compact JSON into `out`.
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// Numbers, booleans and `null` as serde_json writes them (writing to a `Vec` cannot fail).
    fn plain(
        &mut self,
        write: impl FnOnce(&mut CompactFormatter, &mut Vec<u8>) -> std::io::Result<()>,
    ) {
        let _ = write(&mut CompactFormatter, &mut self.out);
    }
}

/// An array or object being written; `first` until its first element.
struct Compound<'a> {
    writer: &'a mut Writer,
    first: bool,
    /// What closes it: `]`, `}`, or `}}` for a variant's array or object.
    close: &'static [u8],
    /// A raw value: its one field is written as is.
    raw: bool,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.writer.out.push(b',');
        }
    }

    fn key(&mut self, key: &str) {
        self.comma();
        write_escaped(&mut self.writer.out, key);
        self.writer.out.push(b':');
    }

    fn finish(self) {
        self.writer.out.extend_from_slice(self.close);
    }
}

impl<'a> Writer {
    fn open(&'a mut self, head: &[u8], close: &'static [u8]) -> Compound<'a> {
        self.out.extend_from_slice(head);
        Compound {
            writer: self,
            first: true,
            close,
            raw: false,
        }
    }

    /// `{"variant":` then a compound of `open`.
    fn variant(&'a mut self, variant: &str, open: u8, close: &'static [u8]) -> Compound<'a> {
        self.out.push(b'{');
        write_escaped(&mut self.out, variant);
        self.out.push(b':');
        self.open(&[open], close)
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_bool(w, v));
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_i8(w, v));
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_i16(w, v));
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_i32(w, v));
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_i64(w, v));
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_i128(w, v));
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_u8(w, v));
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_u16(w, v));
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_u32(w, v));
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_u64(w, v));
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_u128(w, v));
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), EncodeError> {
        if v.is_finite() {
            self.plain(|f, w| f.write_f32(w, v));
        } else {
            self.plain(|f, w| f.write_null(w));
        }
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), EncodeError> {
        if v.is_finite() {
            self.plain(|f, w| f.write_f64(w, v));
        } else {
            self.plain(|f, w| f.write_null(w));
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), EncodeError> {
        write_escaped(&mut self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        write_escaped(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), EncodeError> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for byte in v {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), EncodeError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EncodeError> {
        self.plain(|f, w| f.write_null(w));
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), EncodeError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), EncodeError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.out.push(b'{');
        write_escaped(&mut self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, EncodeError> {
        Ok(self.open(b"[", b"]"))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        Ok(self.variant(variant, b'[', b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, EncodeError> {
        Ok(self.open(b"{", b"}"))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        if name == RAW_VALUE {
            let mut raw = self.open(b"", b"");
            raw.raw = true;
            return Ok(raw);
        }
        Ok(self.open(b"{", b"}"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, EncodeError> {
        Ok(self.variant(variant, b'{', b"}}"))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.comma();
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), EncodeError> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EncodeError> {
        self.comma();
        key.serialize(MapKey(&mut *self.writer))?;
        self.writer.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), EncodeError> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        if self.raw {
            // A raw value's one field is its JSON text (checked by serde_json when made).
            return match value.serialize(serde_json::value::Serializer) {
                Ok(serde_json::Value::String(text)) => {
                    self.writer.out.extend_from_slice(text.as_bytes());
                    Ok(())
                }
                _ => Err(EncodeError("a raw value without its text".to_owned())),
            };
        }
        self.key(key);
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), EncodeError> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        self.finish();
        Ok(())
    }
}

/// A map key: JSON object keys are strings, so numbers and booleans are quoted, as serde_json
/// does; anything else is an error.
struct MapKey<'a>(&'a mut Writer);

impl MapKey<'_> {
    fn quoted(
        self,
        write: impl FnOnce(&mut CompactFormatter, &mut Vec<u8>) -> std::io::Result<()>,
    ) -> Result<(), EncodeError> {
        self.0.out.push(b'"');
        self.0.plain(write);
        self.0.out.push(b'"');
        Ok(())
    }
}

fn key_error() -> EncodeError {
    EncodeError("key must be a string".to_owned())
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = ser::Impossible<(), EncodeError>;
    type SerializeTuple = ser::Impossible<(), EncodeError>;
    type SerializeTupleStruct = ser::Impossible<(), EncodeError>;
    type SerializeTupleVariant = ser::Impossible<(), EncodeError>;
    type SerializeMap = ser::Impossible<(), EncodeError>;
    type SerializeStruct = ser::Impossible<(), EncodeError>;
    type SerializeStructVariant = ser::Impossible<(), EncodeError>;

    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        write_escaped(&mut self.0.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), EncodeError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_bool(w, v))
    }
    fn serialize_i8(self, v: i8) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_i8(w, v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_i16(w, v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_i32(w, v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_i64(w, v))
    }
    fn serialize_i128(self, v: i128) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_i128(w, v))
    }
    fn serialize_u8(self, v: u8) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_u8(w, v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_u16(w, v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_u32(w, v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_u64(w, v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), EncodeError> {
        self.quoted(|f, w| f.write_u128(w, v))
    }
    fn serialize_f32(self, _v: f32) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), EncodeError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), EncodeError> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, EncodeError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, EncodeError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, EncodeError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, EncodeError> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, EncodeError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, EncodeError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, EncodeError> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    fn same<T: Serialize + ?Sized>(value: &T) {
        assert_eq!(
            to_string(value).unwrap(),
            serde_json::to_string(value).unwrap()
        );
    }

    #[derive(serde::Serialize)]
    enum Shapes {
        Unit,
        Newtype(i32),
        Tuple(u8, String),
        Struct { a: Option<bool>, b: f32 },
    }

    #[derive(serde::Serialize)]
    struct Unit;

    #[derive(serde::Serialize)]
    struct Pair(i64, char);

    #[derive(serde::Serialize)]
    struct Everything {
        shapes: Vec<Shapes>,
        unit: Unit,
        pair: Pair,
        bytes: &'static [u8],
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        none: Option<u8>,
        int_keys: BTreeMap<i64, &'static str>,
        bool_keys: BTreeMap<bool, ()>,
        big: (i128, u128),
        floats: [f64; 5],
        raw: Box<serde_json::value::RawValue>,
        tuple: (),
    }

    #[test]
    fn every_shape_is_written_as_serde_json_writes_it() {
        let raw =
            serde_json::value::RawValue::from_string(r#"{ "kept" : [1, 2] }"#.into()).unwrap();
        same(&Everything {
            shapes: vec![
                Shapes::Unit,
                Shapes::Newtype(-3),
                Shapes::Tuple(7, "t\"ab\\".into()),
                Shapes::Struct {
                    a: Some(true),
                    b: 1.5,
                },
                Shapes::Struct {
                    a: None,
                    b: f32::NAN,
                },
            ],
            unit: Unit,
            pair: Pair(i64::MIN, '\u{1}'),
            bytes: b"\x00\xff",
            skipped: None,
            none: None,
            int_keys: BTreeMap::from([(-1, "a"), (7, "b")]),
            bool_keys: BTreeMap::from([(true, ())]),
            big: (i128::MIN, u128::MAX),
            floats: [0.1, -0.0, 1e300, f64::INFINITY, 3.0],
            raw,
            tuple: (),
        });
        let every_byte: String = (0u8..=0x7f).map(char::from).chain("é€😀".chars()).collect();
        same(&every_byte);
        same(&BTreeMap::from([(every_byte.clone(), every_byte)]));
        assert!(to_string(&BTreeMap::from([(vec![1], 1)])).is_err());
    }

    fn value() -> impl Strategy<Value = Value> {
        let text = "(?s).{0,40}|[a-z0-9\"\\\\\u{0}-\u{1f}]{0,40}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 40, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(text, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_is_written_as_serde_json_writes_it(v in value()) {
            prop_assert_eq!(to_string(&v).unwrap(), serde_json::to_string(&v).unwrap());
        }

        #[test]
        fn any_text_is_escaped_as_serde_json_escapes_it(s in "(?s).{0,80}", bytes in prop::collection::vec(0u8..0x80, 0..80)) {
            let ascii = String::from_utf8(bytes).unwrap();
            for text in [&s, &ascii] {
                prop_assert_eq!(to_string(text).unwrap(), serde_json::to_string(text).unwrap());
            }
        }
    }
}
