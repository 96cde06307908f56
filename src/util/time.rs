//! Dates and times (below everything else): ISO 8601 parsing (extended and basic forms)
//! and formatting in UTC (proleptic Gregorian, years 0000–9999), the per-field date formats
//! of custom fields (Unix time, Excel serial dates, day/month/year), and IMF-fixdate
//! parsing for `Retry-After` (RFC 9110 §5.6.7). Pure functions of their input; nothing here
//! reads a clock.

/// Latest date accepted: 9999-12-31T23:59:59.999Z.
pub const MAX_EPOCH_MS: i64 = 253_402_300_799_999;
/// Earliest date accepted: 0000-01-01T00:00:00.000Z.
pub const MIN_EPOCH_MS: i64 = -62_167_219_200_000;

/// 1980-01-01T00:00:00Z: the earliest all-digit value read as epoch milliseconds without a
/// declared format.
pub const MIN_PLAUSIBLE_MS: i64 = 315_532_800_000;
/// 2100-01-01T00:00:00Z: the end (exclusive) of that range.
pub const MAX_PLAUSIBLE_MS: i64 = 4_102_444_800_000;

crate::util::codes::codes! {
    /// The `format` option of a `date` custom field: how values that are not ISO 8601 are read.
    DateFormat {
        /// `epoch-ms`: a number of milliseconds since 1970-01-01T00:00:00Z.
        EpochMs = "epoch-ms",
        /// `epoch-s`: a number of seconds since 1970-01-01T00:00:00Z (fractions allowed).
        EpochS = "epoch-s",
        /// `excel-serial`: days in Excel's 1900 date system (1 = 1900-01-01; 60, Excel's
        /// non-existent 1900-02-29, is refused; the fraction is the time of day, UTC).
        ExcelSerial = "excel-serial",
        /// `dd/mm/yyyy` (day and month of one or two digits; ` HH:MM[:SS]` may follow).
        DayMonthYear = "dd/mm/yyyy",
        /// `mm/dd/yyyy`
        MonthDayYear = "mm/dd/yyyy",
        /// `dd.mm.yyyy`
        DayMonthYearDots = "dd.mm.yyyy",
    }
}

impl DateFormat {
    /// Whether values in this format are numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            DateFormat::EpochMs | DateFormat::EpochS | DateFormat::ExcelSerial
        )
    }
}

/// Milliseconds of a number in a numeric [`DateFormat`] (`None` outside years 0000–9999,
/// or for Excel serials below 1 and the serial 60).
pub fn numeric_date(value: f64, format: DateFormat) -> Option<i64> {
    if !value.is_finite() {
        return None;
    }
    let ms = match format {
        DateFormat::EpochMs => value,
        DateFormat::EpochS => value * 1000.0,
        DateFormat::ExcelSerial => {
            if value < 1.0 || (60.0..61.0).contains(&value) {
                return None;
            }
            // Serials from 61 count from 1899-12-30 (Excel's fictitious 1900-02-29 is 60);
            // serials 1-59 from 1899-12-31.
            let epoch = if value < 60.0 {
                days_from_civil(1899, 12, 31)
            } else {
                days_from_civil(1899, 12, 30)
            };
            (epoch as f64 + value) * 86_400_000.0
        }
        _ => return None,
    };
    let ms = ms.round();
    (MIN_EPOCH_MS as f64..=MAX_EPOCH_MS as f64)
        .contains(&ms)
        .then_some(ms as i64)
}

/// Parses an ISO 8601 basic-format date (`YYYYMMDD`) or date-time (`YYYYMMDDTHHMM[SS[.fff]]`
/// with an optional `Z`, `±HH`, `±HHMM` or `±HH:MM` offset; no offset means UTC) into epoch
/// milliseconds.
pub fn parse_iso_basic(s: &str) -> Option<i64> {
    let date = s.get(..8)?;
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ext = String::with_capacity(s.len() + 6);
    ext.push_str(date.get(..4)?);
    ext.push('-');
    ext.push_str(date.get(4..6)?);
    ext.push('-');
    ext.push_str(date.get(6..8)?);
    let rest = s.get(8..)?;
    if rest.is_empty() {
        return parse_iso_date(&ext);
    }
    let time = rest.strip_prefix(['T', 't'])?;
    let digits = time.bytes().take_while(u8::is_ascii_digit).count();
    if digits != 4 && digits != 6 {
        return None;
    }
    ext.push('T');
    ext.push_str(time.get(..2)?);
    ext.push(':');
    ext.push_str(time.get(2..4)?);
    if digits == 6 {
        ext.push(':');
        ext.push_str(time.get(4..6)?);
    }
    let tail = time.get(digits..)?;
    // The basic form has no colons; a fraction only follows seconds.
    if tail.starts_with(':') || (digits == 4 && tail.starts_with(['.', ','])) {
        return None;
    }
    ext.push_str(tail);
    parse_iso_date(&ext)
}

/// Parses `dd/mm/yyyy`, `mm/dd/yyyy` or `dd.mm.yyyy` (day and month of one or two digits,
/// a four-digit year), optionally followed by a space and `HH:MM[:SS]` (UTC).
pub fn parse_day_month_year(s: &str, format: DateFormat) -> Option<i64> {
    let (sep, day_first) = match format {
        DateFormat::DayMonthYear => ('/', true),
        DateFormat::MonthDayYear => ('/', false),
        DateFormat::DayMonthYearDots => ('.', true),
        _ => return None,
    };
    let (date, time) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim_start())),
        None => (s, None),
    };
    let mut parts = date.split(sep);
    let (a, b, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let small = |p: &str| -> Option<u32> {
        ((1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let (d, m) = if day_first {
        (small(a)?, small(b)?)
    } else {
        (small(b)?, small(a)?)
    };
    if y.len() != 4 || !y.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut ext = format!("{y}-{m:02}-{d:02}");
    if let Some(t) = time {
        let hh_mm_ss = matches!(t.len(), 5 | 8)
            && t.bytes().enumerate().all(|(i, c)| {
                if i % 3 == 2 {
                    c == b':'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !hh_mm_ss {
            return None;
        }
        ext.push('T');
        ext.push_str(t);
    }
    parse_iso_date(&ext)
}

/// Parses an ISO-8601 date (`YYYY-MM-DD`) or date-time (`YYYY-MM-DDTHH:MM[:SS[.fff]]` with an
/// optional `Z` or `±HH:MM` offset; a space may replace the `T`; no offset means UTC) into
/// epoch milliseconds.
pub fn parse_iso_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if b.len() == 10 {
        return Some(ms);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut sec = 0;
    let mut frac_ms = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1..i + 3)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return None;
            }
            let digits = &s[start..end.min(start + 3)];
            frac_ms = digits.parse::<i64>().ok()? * 10_i64.pow(3 - digits.len() as u32);
            i = end;
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let offset_min = match b.get(i..).unwrap_or(&[]) {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest {
                [a, b2, b':', c, d2] | [a, b2, c, d2] => {
                    let t = [*a, *b2, *c, *d2];
                    if !t.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    (
                        i64::from(t[0] - b'0') * 10 + i64::from(t[1] - b'0'),
                        i64::from(t[2] - b'0') * 10 + i64::from(t[3] - b'0'),
                    )
                }
                [a, b2] if a.is_ascii_digit() && b2.is_ascii_digit() => {
                    (i64::from(a - b'0') * 10 + i64::from(b2 - b'0'), 0)
                }
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    ms += ((h * 60 + mi - offset_min) * 60 + sec.min(59)) * 1000 + frac_ms;
    (MIN_EPOCH_MS..=MAX_EPOCH_MS).contains(&ms).then_some(ms)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ` (years 0000–9999).
pub fn format_iso(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    push_iso(&mut out, ms);
    out
}

/// Appends [`format_iso`]`(ms)` to `out`.
pub fn push_iso(out: &mut String, ms: i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Fixed-width digits, written directly (this runs once per date value).
    push_digits(out, y, 4);
    for (sep, v, width) in [
        ('-', m, 2),
        ('-', d, 2),
        ('T', rem / 3_600_000, 2),
        (':', rem / 60_000 % 60, 2),
        (':', rem / 1000 % 60, 2),
        ('.', rem % 1000, 3),
    ] {
        out.push(sep);
        push_digits(out, v, width);
    }
    out.push('Z');
}

/// Appends the last `width` (at most 4) decimal digits of `v` (≥ 0), zero-padded (dates'
/// fixed-width fields; itoa writes no padding).
fn push_digits(out: &mut String, v: i64, width: usize) {
    let mut buf = [b'0'; 4];
    let mut v = v;
    for d in buf.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let digits = buf.get(4 - width.min(4)..).unwrap_or(&[]);
    out.push_str(std::str::from_utf8(digits).unwrap_or(""));
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into epoch milliseconds.
pub fn parse_http_date(s: &str) -> Option<f64> {
    let (_, rest) = s.split_once(',')?;
    let mut parts = rest.split_whitespace();
    let day: i64 = parts.next()?.parse().ok()?;
    let month = match parts.next()?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let m: i64 = hms.next()?.parse().ok()?;
    let sec: i64 = hms.next()?.parse().ok()?;
    if !parts.next()?.eq_ignore_ascii_case("GMT")
        || !(1..=31).contains(&day)
        || h > 23
        || m > 59
        || sec > 60
        || !(1970..=9999).contains(&year)
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + h * 3600 + m * 60 + sec) * 1000) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_forms_and_field_formats() {
        let d = |y, m, dd| days_from_civil(y, m, dd) * 86_400_000;
        assert_eq!(parse_iso_basic("20240401"), Some(d(2024, 4, 1)));
        assert_eq!(parse_iso_basic("20240229"), Some(d(2024, 2, 29)));
        assert_eq!(parse_iso_basic("20230229"), None);
        assert_eq!(
            parse_iso_basic("20240401T123045Z"),
            Some(d(2024, 4, 1) + 45_045_000)
        );
        assert_eq!(
            parse_iso_basic("20240401T1230+0200"),
            Some(d(2024, 4, 1) + 37_800_000)
        );
        assert_eq!(parse_iso_basic("20240401T12"), None);
        assert_eq!(parse_iso_basic("20240401T12:30"), None);
        assert_eq!(parse_iso_basic("2024040"), None);
        let n = |v, f| numeric_date(v, f);
        assert_eq!(n(1_711_929_600.0, DateFormat::EpochS), Some(d(2024, 4, 1)));
        assert_eq!(n(45_383.0, DateFormat::ExcelSerial), Some(d(2024, 4, 1)));
        assert_eq!(
            n(45_383.5, DateFormat::ExcelSerial),
            Some(d(2024, 4, 1) + 43_200_000)
        );
        assert_eq!(n(1.0, DateFormat::ExcelSerial), Some(d(1900, 1, 1)));
        assert_eq!(n(59.0, DateFormat::ExcelSerial), Some(d(1900, 2, 28)));
        assert_eq!(n(60.0, DateFormat::ExcelSerial), None);
        assert_eq!(n(61.0, DateFormat::ExcelSerial), Some(d(1900, 3, 1)));
        assert_eq!(n(0.0, DateFormat::ExcelSerial), None);
        assert_eq!(n(0.0, DateFormat::EpochS), Some(0));
        assert_eq!(n(1e300, DateFormat::EpochMs), None);
        let p = |s, f| parse_day_month_year(s, f);
        assert_eq!(
            p("01/04/2024", DateFormat::DayMonthYear),
            Some(d(2024, 4, 1))
        );
        assert_eq!(p("4/1/2024", DateFormat::MonthDayYear), Some(d(2024, 4, 1)));
        assert_eq!(
            p("1.4.2024", DateFormat::DayMonthYearDots),
            Some(d(2024, 4, 1))
        );
        assert_eq!(
            p("01/04/2024 13:45", DateFormat::DayMonthYear),
            Some(d(2024, 4, 1) + 49_500_000)
        );
        assert_eq!(p("31/02/2024", DateFormat::DayMonthYear), None);
        assert_eq!(p("01/04/24", DateFormat::DayMonthYear), None);
        assert_eq!(p("01.04.2024", DateFormat::DayMonthYear), None);
        assert_eq!(p("13/01/2024", DateFormat::MonthDayYear), None);
    }

    #[test]
    fn iso_round_trip_over_many_days() {
        for day in (-719_000..2_900_000).step_by(997) {
            let ms = day * 86_400_000 + 12_345_678;
            let text = format_iso(ms);
            assert_eq!(parse_iso_date(&text), Some(ms), "{text}");
        }
    }
}
