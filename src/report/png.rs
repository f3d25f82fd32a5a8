//! Cuts one PNG into horizontal bands: the charts for the DOCX are
//! rendered by a single Chromium screenshot of a page with every chart
//! stacked (one browser start instead of one per chart, about 2 s each on
//! the 2-core machines) and cut apart here.
//!
//! Only what Chromium writes is read: 8-bit RGB or RGBA, not interlaced;
//! anything else is an error and the caller falls back to one screenshot
//! per chart. flate2 (already a dependency) inflates, deflates and sums
//! the CRCs.

use std::io::{Read, Write};

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

struct Image {
    width: u32,
    height: u32,
    color_type: u8,
    bpp: usize,
    /// Unfiltered rows.
    rows: Vec<Vec<u8>>,
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

fn decode(png: &[u8]) -> Result<Image, String> {
    if !png.starts_with(SIGNATURE) {
        return Err("not a PNG".into());
    }
    let mut at = 8;
    let (mut width, mut height, mut color_type) = (0, 0, 0);
    let mut idat = Vec::new();
    while at + 8 <= png.len() {
        let len = be32(&png[at..]) as usize;
        let kind = &png[at + 4..at + 8];
        let data = png.get(at + 8..at + 8 + len).ok_or("truncated PNG")?;
        match kind {
            b"IHDR" => {
                if data.len() < 13 {
                    return Err("bad IHDR".into());
                }
                width = be32(data);
                height = be32(&data[4..]);
                let (depth, ct, interlace) = (data[8], data[9], data[12]);
                if depth != 8 || !(ct == 2 || ct == 6) || interlace != 0 {
                    return Err(format!("PNG kind not handled (depth {depth}, colour {ct}, interlace {interlace})"));
                }
                color_type = ct;
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    if width == 0 || height == 0 {
        return Err("PNG without IHDR".into());
    }
    let bpp = if color_type == 6 { 4 } else { 3 };
    let stride = width as usize * bpp;
    let mut raw = Vec::with_capacity((stride + 1) * height as usize);
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .map_err(|e| format!("PNG data: {e}"))?;
    if raw.len() < (stride + 1) * height as usize {
        return Err("PNG data too short".into());
    }
    let mut rows: Vec<Vec<u8>> = Vec::with_capacity(height as usize);
    let zero = vec![0u8; stride];
    for y in 0..height as usize {
        let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
        let (filter, src) = (line[0], &line[1..]);
        let prev = rows.last().unwrap_or(&zero).clone();
        let mut cur = src.to_vec();
        for i in 0..stride {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match filter {
                0 => cur[i],
                1 => cur[i].wrapping_add(a),
                2 => cur[i].wrapping_add(b),
                3 => cur[i].wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => cur[i].wrapping_add(paeth(a, b, c)),
                f => return Err(format!("PNG filter {f}")),
            };
        }
        rows.push(cur);
    }
    Ok(Image {
        width,
        height,
        color_type,
        bpp,
        rows,
    })
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

fn encode(width: u32, color_type: u8, rows: &[Vec<u8>]) -> Vec<u8> {
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&(rows.len() as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, color_type, 0, 0, 0]);
    // Filter "Up" on every row: charts are mostly flat colour, which it
    // turns into zeros that deflate well.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let zero = vec![0u8; rows.first().map(Vec::len).unwrap_or(0)];
    for (y, row) in rows.iter().enumerate() {
        let prev = if y == 0 { &zero } else { &rows[y - 1] };
        let mut line = Vec::with_capacity(row.len() + 1);
        line.push(2);
        line.extend(row.iter().zip(prev).map(|(c, p)| c.wrapping_sub(*p)));
        let _ = z.write_all(&line);
    }
    let data = z.finish().unwrap_or_default();
    let mut out = SIGNATURE.to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Cuts `png` into bands of the given heights in pixels, top to bottom,
/// each `widths[i]` pixels wide from the left.
pub fn split(png: &[u8], bands: &[(u32, u32)]) -> Result<Vec<Vec<u8>>, String> {
    let img = decode(png)?;
    let mut y = 0usize;
    let mut out = Vec::new();
    for &(w, h) in bands {
        let (w, h) = (w.min(img.width) as usize, h as usize);
        if y + h > img.height as usize {
            return Err(format!("screenshot {} px high, charts need {}", img.height, y + h));
        }
        let rows: Vec<Vec<u8>> = img.rows[y..y + h].iter().map(|r| r[..w * img.bpp].to_vec()).collect();
        out.push(encode(w as u32, img.color_type, &rows));
        y += h;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_come_back_pixel_for_pixel() {
        // A 5×6 RGBA picture: row y has colour (y, 2y, 3y, 255), column x adds x.
        let rows: Vec<Vec<u8>> = (0..6u8)
            .map(|y| (0..5u8).flat_map(|x| [y * 10 + x, y * 20, y * 30 + x, 255]).collect())
            .collect();
        let png = encode(5, 6, &rows);
        let back = decode(&png).unwrap();
        assert_eq!(back.rows, rows);
        let parts = split(&png, &[(5, 2), (3, 4)]).unwrap();
        let a = decode(&parts[0]).unwrap();
        assert_eq!((a.width, a.height), (5, 2));
        assert_eq!(a.rows, rows[..2]);
        let b = decode(&parts[1]).unwrap();
        assert_eq!((b.width, b.height), (3, 4));
        assert_eq!(b.rows[3], rows[5][..12]);
        assert!(split(&png, &[(5, 7)]).is_err());
        assert!(split(b"not a png", &[(1, 1)]).is_err());
    }

    /// Every filter type (Chromium chooses per row), filtered here by the
    /// PNG specification's definitions, decodes to the same pixels.
    #[test]
    fn every_filter_type_decodes() {
        let (w, bpp) = (4usize, 3usize);
        let rows: Vec<Vec<u8>> = (0..10u8)
            .map(|y| (0..(w * bpp) as u8).map(|i| y.wrapping_mul(37).wrapping_add(i.wrapping_mul(91))).collect())
            .collect();
        let mut raw = Vec::new();
        let zero = vec![0u8; w * bpp];
        for (y, row) in rows.iter().enumerate() {
            let filter = (y % 5) as u8;
            let prev = if y == 0 { &zero } else { &rows[y - 1] };
            raw.push(filter);
            for i in 0..row.len() {
                let a = if i >= bpp { row[i - bpp] } else { 0 };
                let b = prev[i];
                let c = if i >= bpp { prev[i - bpp] } else { 0 };
                raw.push(match filter {
                    0 => row[i],
                    1 => row[i].wrapping_sub(a),
                    2 => row[i].wrapping_sub(b),
                    3 => row[i].wrapping_sub(((u16::from(a) + u16::from(b)) / 2) as u8),
                    _ => row[i].wrapping_sub(paeth(a, b, c)),
                });
            }
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&raw).unwrap();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&(w as u32).to_be_bytes());
        ihdr.extend_from_slice(&10u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut png = SIGNATURE.to_vec();
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &z.finish().unwrap());
        chunk(&mut png, b"IEND", &[]);
        assert_eq!(decode(&png).unwrap().rows, rows);
    }
}
