//! The `codes!` macro: an enum of stable string codes (error, issue, warning and reject
//! codes, standard fields, date formats) with `as_str`, `parse`, `ALL`, `Display`, serde
//! (as its string) and a TypeScript string-literal union (tsify, wasm32 only).

/// Defines a code enum: variants with their JS strings and docs, `as_str`, `ALL`,
/// `Display`, `Serialize` and `Deserialize` (as the string), the core's reader
/// ([`crate::read::Readable`]) and writer ([`crate::write::Writable`]), and comparison with
/// a `&str` (handy in tests and hosts).
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
        pub enum $name {
            $($(#[$vmeta])* #[cfg_attr(target_arch = "wasm32", serde(rename = $text))] $variant,)+
        }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// The code as the string the JS API uses.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
            /// The code for its JS string, if it is one.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} '{s}'", stringify!($name)))
                })
            }
        }
        $crate::read::readable_enum!($name { $($variant: $text),+ });
        $crate::write::writable_enum!($name { $($variant: $text),+ });
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

pub(crate) use codes;
