//! A bounds-checked walk over the raw element structure of a DICOM Part-10 file, done before
//! any value is decoded.
//!
//! Why: dicom-rs allocates each value at its *declared* length before reading it, so a damaged
//! or hostile header declaring a 4 GiB element would make it allocate and zero 4 GiB. Walking
//! the element headers first (no values decoded) lets us (1) prove that every declared length
//! fits the bytes we hold, (2) find exactly where the top-level Pixel Data starts, so the
//! decoder gets the header bytes and never the pixels, and (3) tell a truncated file from a
//! header that is merely larger than the configured limit.

use std::fmt;

/// Where the header ends and what the file declares about its pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeaderExtent {
    /// Transfer Syntax UID from the file meta group (padding trimmed).
    pub transfer_syntax: String,
    /// Offset of the first data-set byte after the file meta group.
    pub dataset_start: usize,
    /// Offset where the header ends: the top-level Pixel Data element, or the end of input.
    pub header_end: usize,
    /// The top-level Pixel Data element, if found.
    pub pixel_data: Option<PixelDataExtent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PixelDataExtent {
    /// Offset of the first value byte.
    pub value_start: usize,
    /// Declared value length; `None` for encapsulated (undefined-length) pixel data.
    pub length: Option<u32>,
}

/// Why a walk stopped without a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Fewer than 132 bytes, or no "DICM" after the 128-byte preamble.
    NotDicom(&'static str),
    /// The structure needs bytes beyond the end of what we hold, at this offset; whether this
    /// means "truncated" or "header over the limit" depends on whether we hold the whole file.
    NeedMore { at: usize, needed: u64 },
    /// The transfer syntax cannot be walked without decoding (deflate) or is retired.
    UnsupportedTransferSyntax(String),
    /// Structurally invalid (bad delimiter, runaway nesting, meta group without a syntax).
    Malformed(String),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::NotDicom(why) => f.write_str(why),
            ScanError::NeedMore { at, needed } => {
                write!(f, "structure at byte {at} needs {needed} more bytes")
            }
            ScanError::UnsupportedTransferSyntax(ts) => write!(f, "unsupported transfer syntax {ts}"),
            ScanError::Malformed(why) => f.write_str(why),
        }
    }
}

const PREAMBLE_LEN: usize = 128;
const MAX_DEPTH: usize = 16;
const UNDEFINED: u32 = 0xFFFF_FFFF;
const ITEM: (u16, u16) = (0xFFFE, 0xE000);
const ITEM_END: (u16, u16) = (0xFFFE, 0xE00D);
const SEQ_END: (u16, u16) = (0xFFFE, 0xE0DD);
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);

/// Explicit VRs whose header has two reserved bytes and a 32-bit length (PS3.5 §7.1.2).
fn has_long_length(vr: [u8; 2]) -> bool {
    matches!(
        &vr,
        b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR"
            | b"UT" | b"UV"
    )
}

fn is_known_vr(vr: [u8; 2]) -> bool {
    const KNOWN: [&[u8; 2]; 34] = [
        b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"OB",
        b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM",
        b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV",
    ];
    KNOWN.contains(&&vr)
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    explicit: bool,
}

/// One element or item header.
struct Header {
    tag: (u16, u16),
    vr: Option<[u8; 2]>,
    length: u32,
}

impl Cursor<'_> {
    fn need(&self, n: usize) -> Result<(), ScanError> {
        let have = self.buf.len().saturating_sub(self.pos);
        if have < n {
            return Err(ScanError::NeedMore { at: self.pos, needed: (n - have) as u64 });
        }
        Ok(())
    }

    fn u16_at(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.buf[at], self.buf[at + 1]])
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes([self.buf[at], self.buf[at + 1], self.buf[at + 2], self.buf[at + 3]])
    }

    fn peek_tag(&self) -> Result<(u16, u16), ScanError> {
        self.need(4)?;
        Ok((self.u16_at(self.pos), self.u16_at(self.pos + 2)))
    }

    /// Reads an element or item header and leaves the cursor on its value.
    fn header(&mut self) -> Result<Header, ScanError> {
        let tag = self.peek_tag()?;
        // Items and delimiters never carry a VR, whatever the transfer syntax.
        if tag.0 == 0xFFFE || !self.explicit {
            self.need(8)?;
            let length = self.u32_at(self.pos + 4);
            self.pos += 8;
            return Ok(Header { tag, vr: None, length });
        }
        self.need(8)?;
        let vr = [self.buf[self.pos + 4], self.buf[self.pos + 5]];
        // An unknown VR would be read by dicom-rs with another header layout than ours; refuse
        // it so both parsers always agree on every length.
        if !is_known_vr(vr) {
            return Err(ScanError::Malformed(format!(
                "unknown VR {:?} at byte {}",
                String::from_utf8_lossy(&vr),
                self.pos + 4
            )));
        }
        if has_long_length(vr) {
            self.need(12)?;
            let length = self.u32_at(self.pos + 8);
            self.pos += 12;
            Ok(Header { tag, vr: Some(vr), length })
        } else {
            let length = u32::from(self.u16_at(self.pos + 6));
            self.pos += 8;
            Ok(Header { tag, vr: Some(vr), length })
        }
    }

    fn skip(&mut self, length: u32) -> Result<(), ScanError> {
        let n = length as usize;
        let have = self.buf.len().saturating_sub(self.pos);
        if have < n {
            return Err(ScanError::NeedMore { at: self.pos, needed: (n - have) as u64 });
        }
        self.pos += n;
        Ok(())
    }

    /// Skips an undefined-length sequence (or UN/OB pixel-like value): items until the
    /// sequence delimiter.
    fn skip_items(&mut self, depth: usize) -> Result<(), ScanError> {
        if depth > MAX_DEPTH {
            return Err(ScanError::Malformed(format!("sequences nested deeper than {MAX_DEPTH}")));
        }
        loop {
            let h = self.header()?;
            match h.tag {
                SEQ_END => return Ok(()),
                ITEM if h.length == UNDEFINED => self.skip_elements_until_item_end(depth + 1)?,
                ITEM => self.skip(h.length)?,
                other => {
                    return Err(ScanError::Malformed(format!(
                        "expected an item in a sequence at byte {}, found ({:04X},{:04X})",
                        self.pos, other.0, other.1
                    )))
                }
            }
        }
    }

    fn skip_elements_until_item_end(&mut self, depth: usize) -> Result<(), ScanError> {
        loop {
            if self.peek_tag()? == ITEM_END {
                self.header()?;
                return Ok(());
            }
            self.skip_element(depth)?;
        }
    }

    fn skip_element(&mut self, depth: usize) -> Result<(), ScanError> {
        let h = self.header()?;
        if h.length == UNDEFINED {
            // Only SQ, UN and encapsulated OB/OW may have an undefined length; implicit VR
            // gives no VR, and an undefined length there always means a sequence.
            match h.vr {
                None | Some([b'S', b'Q']) | Some([b'U', b'N']) | Some([b'O', b'B'])
                | Some([b'O', b'W']) => self.skip_items(depth),
                Some(vr) => Err(ScanError::Malformed(format!(
                    "element ({:04X},{:04X}) with VR {} has an undefined length",
                    h.tag.0,
                    h.tag.1,
                    String::from_utf8_lossy(&vr)
                ))),
            }
        } else {
            self.skip(h.length)
        }
    }
}

/// Walks `buf` (the start of a Part-10 file, possibly only a prefix) up to the top-level
/// Pixel Data element.
pub(crate) fn scan(buf: &[u8]) -> Result<HeaderExtent, ScanError> {
    if buf.len() < PREAMBLE_LEN + 4 {
        return Err(ScanError::NotDicom("shorter than the 128-byte preamble and DICM prefix"));
    }
    if &buf[PREAMBLE_LEN..PREAMBLE_LEN + 4] != b"DICM" {
        return Err(ScanError::NotDicom("no DICM prefix after the 128-byte preamble"));
    }
    // The file meta group is always explicit VR little endian (PS3.10 §7.1).
    let mut cur = Cursor { buf, pos: PREAMBLE_LEN + 4, explicit: true };
    let mut transfer_syntax = None;
    while cur.peek_tag()?.0 == 0x0002 {
        let h = cur.header()?;
        if h.length == UNDEFINED {
            return Err(ScanError::Malformed("undefined length in the file meta group".into()));
        }
        let start = cur.pos;
        cur.skip(h.length)?;
        if h.tag == (0x0002, 0x0010) {
            let raw = &buf[start..cur.pos];
            let ts = String::from_utf8_lossy(raw).trim_end_matches(['\0', ' ']).to_string();
            transfer_syntax = Some(ts);
        }
    }
    let transfer_syntax = transfer_syntax
        .ok_or_else(|| ScanError::Malformed("file meta group has no Transfer Syntax UID".into()))?;
    cur.explicit = match transfer_syntax.as_str() {
        "1.2.840.10008.1.2" => false,
        // Deflate must be inflated before it can be walked; big endian is retired and rare.
        "1.2.840.10008.1.2.1.99" | "1.2.840.10008.1.2.2" => {
            return Err(ScanError::UnsupportedTransferSyntax(transfer_syntax))
        }
        // Every other syntax (native or encapsulated) encodes the data set as explicit VR LE.
        _ => true,
    };
    let dataset_start = cur.pos;
    loop {
        if cur.pos == buf.len() {
            return Ok(HeaderExtent {
                transfer_syntax,
                dataset_start,
                header_end: cur.pos,
                pixel_data: None,
            });
        }
        let tag = cur.peek_tag()?;
        if tag >= PIXEL_DATA {
            let header_end = cur.pos;
            let pixel_data = if tag == PIXEL_DATA {
                let h = cur.header()?;
                Some(PixelDataExtent {
                    value_start: cur.pos,
                    length: (h.length != UNDEFINED).then_some(h.length),
                })
            } else {
                None
            };
            return Ok(HeaderExtent { transfer_syntax, dataset_start, header_end, pixel_data });
        }
        cur.skip_element(0)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit_file(body: &[u8]) -> Vec<u8> {
        let ts = b"1.2.840.10008.1.2.1\0";
        let mut v = vec![0u8; 128];
        v.extend_from_slice(b"DICM");
        v.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
        v.extend_from_slice(&(ts.len() as u16).to_le_bytes());
        v.extend_from_slice(ts);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn finds_pixel_data_after_nested_undefined_sequence() {
        let mut body = vec![0x08, 0x00, 0x60, 0x00, b'C', b'S', 0x02, 0x00, b'M', b'G'];
        // (0054,0220) SQ undefined length, one undefined-length item with a CS element.
        body.extend_from_slice(&[0x54, 0x00, 0x20, 0x02, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        body.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        body.extend_from_slice(&[0x08, 0x00, 0x00, 0x01, b'S', b'H', 0x02, 0x00, b'C', b'C']);
        body.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        body.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        let pixel_at = body.len();
        body.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0, 4, 0, 0, 0, 1, 2, 3, 4]);
        let file = explicit_file(&body);
        let extent = scan(&file).expect("valid structure");
        assert_eq!(extent.transfer_syntax, "1.2.840.10008.1.2.1");
        assert_eq!(extent.header_end, extent.dataset_start + pixel_at);
        let pixels = extent.pixel_data.expect("pixel data found");
        assert_eq!(pixels.length, Some(4));
        assert_eq!(pixels.value_start, file.len() - 4);
    }

    #[test]
    fn huge_declared_length_needs_more_instead_of_allocating() {
        let body = [0x09, 0x00, 0x10, 0x10, b'O', b'B', 0, 0, 0xF0, 0xFF, 0xFF, 0xFF];
        let file = explicit_file(&body);
        assert!(matches!(scan(&file), Err(ScanError::NeedMore { needed, .. }) if needed > 1 << 31));
    }

    #[test]
    fn rejects_missing_prefix_and_runaway_nesting() {
        assert!(matches!(scan(&[0u8; 200]), Err(ScanError::NotDicom(_))));
        let mut body = Vec::new();
        for _ in 0..40 {
            body.extend_from_slice(&[0x54, 0x00, 0x20, 0x02, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
            body.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        }
        assert!(matches!(scan(&explicit_file(&body)), Err(ScanError::Malformed(_))));
    }
}
