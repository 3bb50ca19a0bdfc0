//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps) with totp-rs, and QR codes of its
//! `otpauth://` URI as PNG images.
//!
//! A code is accepted for the current step and one step either side (clocks drift); the step
//! it matched is then claimed in the database, so the same code (or an older one) never
//! works twice.

use std::time::{SystemTime, UNIX_EPOCH};

use totp_rs::{Algorithm, Secret, TOTP};

use crate::secrets::random_bytes;

pub const STEP_SECONDS: u64 = 30;

/// A new secret (160 bits), base32 as authenticator apps take it.
pub fn new_secret() -> String {
    Secret::Raw(random_bytes::<20>().to_vec())
        .to_encoded()
        .to_string()
}

pub fn totp(secret_base32: &str, issuer: &str, account: &str) -> anyhow::Result<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("TOTP secret: {e:?}"))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        bytes,
        Some(issuer.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| anyhow::anyhow!("TOTP: {e}"))
}

pub fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The step `code` is valid for at `now` (±1 step), if any.
pub fn matching_step(totp: &TOTP, code: &str, now: u64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP_SECONDS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| {
            constant_time_eq(
                totp.generate(step * STEP_SECONDS).as_bytes(),
                code.as_bytes(),
            )
        })
        .and_then(|step| i64::try_from(step).ok())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A PNG of `text` as a QR code: 6 pixels a module, the standard 4-module quiet zone.
pub fn qr_png(text: &str) -> anyhow::Result<Vec<u8>> {
    const SCALE: usize = 6;
    const BORDER: i32 = 4;
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium)
        .map_err(|e| anyhow::anyhow!("QR code: {e:?}"))?;
    let modules = qr.size() + 2 * BORDER;
    let side = usize::try_from(modules)? * SCALE;
    let mut pixels = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let mx = i32::try_from(x / SCALE)? - BORDER;
            let my = i32::try_from(y / SCALE)? - BORDER;
            pixels.push(if qr.get_module(mx, my) { 0 } else { 255 });
        }
    }
    let mut png = Vec::new();
    let side = u32::try_from(side)?;
    let mut encoder = png::Encoder::new(&mut png, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_neighbours_only() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32, "{secret}");
        let totp = totp(&secret, "Xcode", "ada").expect("totp");
        let now = 1_800_000_000;
        let step = i64::try_from(now / STEP_SECONDS).expect("fits");
        let code = totp.generate(now);
        assert_eq!(matching_step(&totp, &code, now), Some(step));
        assert_eq!(
            matching_step(&totp, &totp.generate(now + 30), now),
            Some(step + 1)
        );
        assert_eq!(
            matching_step(&totp, &totp.generate(now - 30), now),
            Some(step - 1)
        );
        assert_eq!(matching_step(&totp, &totp.generate(now + 90), now), None);
        assert_eq!(matching_step(&totp, "12345", now), None);
        assert_eq!(matching_step(&totp, "abcdef", now), None);
        let uri = totp.get_url();
        assert!(uri.starts_with("otpauth://totp/Xcode:ada?"), "{uri}");
        assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    }

    #[test]
    fn qr_codes_are_pngs() {
        let png = qr_png("otpauth://totp/Xcode:ada?secret=ABC&issuer=Xcode").expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
