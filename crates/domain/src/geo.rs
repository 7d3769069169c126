//! A place on the ground as a phone reports it (WGS-84 latitude and longitude, as the browser's
//! geolocation gives them), kept exactly in millionths of a degree (about 0.1 m), and the
//! distance between two places: an inspector's check-in is held to the site's radius by it.
//!
//! The platform serves Chinese districts, so a point must lie within China's extent (latitude
//! 3–54° N, longitude 73–136° E); a pair outside it is most often a latitude and longitude
//! typed the wrong way round, and is refused saying so.

use std::fmt;

/// Millionths of a degree in a degree.
const MICRO: f64 = 1_000_000.0;
/// The mean radius of the Earth in metres (IUGG), as the haversine formula uses it.
const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// China's extent, in degrees: latitude and longitude ranges a district's site lies within.
const LATITUDES: (f64, f64) = (3.0, 54.0);
const LONGITUDES: (f64, f64) = (73.0, 136.0);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeoError {
    #[error("请填写{0}")]
    Empty(&'static str),
    #[error("{0}应为以度为单位的数字,如 24.8745")]
    NotANumber(&'static str),
    #[error("纬度应在 3 至 54 度之间(中国境内);是否把纬度和经度填反了?")]
    LatitudeOutside,
    #[error("经度应在 73 至 136 度之间(中国境内);是否把纬度和经度填反了?")]
    LongitudeOutside,
}

impl GeoError {
    /// Which of the two fields the mistake is in: "latitude" or "longitude".
    pub fn field(&self) -> &'static str {
        match self {
            GeoError::Empty(name) | GeoError::NotANumber(name) if *name == LONGITUDE => "longitude",
            GeoError::LongitudeOutside => "longitude",
            _ => "latitude",
        }
    }
}

const LATITUDE: &str = "纬度";
const LONGITUDE: &str = "经度";

/// A point in China, in millionths of a degree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeoPoint {
    latitude_micro: i64,
    longitude_micro: i64,
}

impl GeoPoint {
    /// Reads a latitude and a longitude in decimal degrees ("24.874512", "118.675");
    /// anything finer than a millionth of a degree is rounded to it.
    pub fn parse(latitude: &str, longitude: &str) -> Result<GeoPoint, GeoError> {
        let lat = degrees(latitude, LATITUDE)?;
        let lng = degrees(longitude, LONGITUDE)?;
        if !(LATITUDES.0..=LATITUDES.1).contains(&lat) {
            return Err(GeoError::LatitudeOutside);
        }
        if !(LONGITUDES.0..=LONGITUDES.1).contains(&lng) {
            return Err(GeoError::LongitudeOutside);
        }
        Ok(GeoPoint {
            latitude_micro: to_micro(lat),
            longitude_micro: to_micro(lng),
        })
    }

    /// A point as stored; `None` when the stored numbers are outside China's extent.
    pub fn from_micro(latitude_micro: i64, longitude_micro: i64) -> Option<GeoPoint> {
        let within =
            |v: i64, (low, high): (f64, f64)| (to_micro(low)..=to_micro(high)).contains(&v);
        (within(latitude_micro, LATITUDES) && within(longitude_micro, LONGITUDES)).then_some(
            GeoPoint {
                latitude_micro,
                longitude_micro,
            },
        )
    }

    pub fn latitude_micro(self) -> i64 {
        self.latitude_micro
    }

    pub fn longitude_micro(self) -> i64 {
        self.longitude_micro
    }

    /// The great-circle distance to `other` in metres (haversine on the mean sphere: within
    /// 0.5 % of the ellipsoid, far finer than a site's radius of hundreds of metres).
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        let (lat1, lng1) = self.radians();
        let (lat2, lng2) = other.radians();
        let half_chord = ((lat2 - lat1) / 2.0).sin().powi(2)
            + lat1.cos() * lat2.cos() * ((lng2 - lng1) / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * half_chord.sqrt().min(1.0).asin()
    }

    fn radians(self) -> (f64, f64) {
        (
            (self.latitude_micro as f64 / MICRO).to_radians(),
            (self.longitude_micro as f64 / MICRO).to_radians(),
        )
    }
}

impl fmt::Display for GeoPoint {
    /// "24.874512, 118.675000": latitude first, as maps are searched.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |micro: i64| format!("{}.{:06}", micro / 1_000_000, micro % 1_000_000);
        write!(
            f,
            "{}, {}",
            show(self.latitude_micro),
            show(self.longitude_micro)
        )
    }
}

fn degrees(text: &str, name: &'static str) -> Result<f64, GeoError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(GeoError::Empty(name));
    }
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or(GeoError::NotANumber(name))
}

fn to_micro(degrees: f64) -> i64 {
    (degrees * MICRO).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lat: &str, lng: &str) -> GeoPoint {
        GeoPoint::parse(lat, lng).unwrap()
    }

    #[test]
    fn distances_match_known_ones() {
        // Tiananmen (39.9087, 116.3975) to the Bund (31.2400, 121.4900): about 1,067 km.
        let km = point("39.9087", "116.3975").distance_m(point("31.24", "121.49")) / 1000.0;
        assert!((1060.0..1075.0).contains(&km), "{km}");
        // A thousandth of a degree of latitude is about 111 m anywhere.
        let m = point("24.874", "118.675").distance_m(point("24.875", "118.675"));
        assert!((110.0..112.5).contains(&m), "{m}");
        assert_eq!(
            point("24.874", "118.675").distance_m(point("24.874", "118.675")),
            0.0
        );
    }

    #[test]
    fn a_point_is_kept_to_a_millionth_of_a_degree() {
        let p = point(" 24.8745126 ", "118.6750004");
        assert_eq!(
            (p.latitude_micro(), p.longitude_micro()),
            (24_874_513, 118_675_000)
        );
        assert_eq!(p.to_string(), "24.874513, 118.675000");
        assert_eq!(GeoPoint::from_micro(24_874_513, 118_675_000), Some(p));
        assert_eq!(GeoPoint::from_micro(0, 0), None);
    }

    #[test]
    fn refusals_name_the_field_and_catch_swapped_pairs() {
        let err = |lat: &str, lng: &str| GeoPoint::parse(lat, lng).unwrap_err();
        assert_eq!(err("", "118.6"), GeoError::Empty("纬度"));
        assert_eq!(err("24.8", " ").field(), "longitude");
        assert_eq!(err("北纬24度", "118.6"), GeoError::NotANumber("纬度"));
        assert_eq!(err("24.8", "NaN").field(), "longitude");
        assert_eq!(err("118.6", "24.8"), GeoError::LatitudeOutside);
        assert!(err("118.6", "24.8").to_string().contains("填反"));
        assert_eq!(err("24.8", "18.6"), GeoError::LongitudeOutside);
    }
}
