//! Mapping suggestions from a file's header and sampled values (issue 16): which column holds
//! the email, the first and last name, which columns match an Autopilot standard field, and
//! — for every other column — a typed custom field, its type guessed by the very coercion
//! rules an export applies ([`crate::mapping::coerce`]). Hosts show them for confirmation.

use crate::config::CustomType;
use crate::email;
use crate::input::Cell;
use crate::mapping::coerce;
use crate::meta::StandardField;
use crate::util::string_map::StringMap;
use serde::Serialize;

/// A suggested custom field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct CustomSuggestion {
    /// The column.
    pub source: String,
    /// A name for Autopilot (the column name, `_`/`-` as spaces, words capitalised).
    pub name: String,
    /// The type every sampled value coerces to (`string` when none fits better).
    #[serde(rename = "type")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "CustomType"))]
    pub ty: &'static str,
    /// Sampled non-empty values the type was guessed from.
    pub samples: u32,
}

/// Suggestions for one file (JS `suggestMapping(headers, samples)`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Suggestion {
    /// The column holding the email, if one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Other standard fields: Autopilot field → column, in the order of the Autopilot names
    /// (`metadata().standardFields`; alphabetical until issue 15's fifteenth round).
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "Partial<Record<StandardField, string>>")
    )]
    // A `StringMap`, not a B-tree map, which was one more instantiation of the B-tree code
    // (issue 15).
    pub fields: StringMap,
    /// A column that looks like a customer id (for `idField`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_field: Option<String>,
    /// Every other column as a typed custom field.
    pub custom: Vec<CustomSuggestion>,
}

/// `Email Address` → `emailaddress`.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

const EMAIL: &[&str] = &["email", "emailaddress", "mail", "eMail", "courriel"];
const FIRST: &[&str] = &[
    "firstname",
    "givenname",
    "first",
    "forename",
    "fname",
    "prenom",
];
const LAST: &[&str] = &["lastname", "surname", "familyname", "last", "lname", "nom"];
const ID: &[&str] = &[
    "id",
    "customerid",
    "profileid",
    "contactid",
    "clientid",
    "userid",
    "crmid",
    "externalid",
];
/// Extra names for standard fields besides their own name and label.
const SYNONYMS: &[(StandardField, &str)] = &[
    (StandardField::Company, "companyname"),
    (StandardField::Company, "organization"),
    (StandardField::Company, "organisation"),
    (StandardField::Company, "organizationname"),
    (StandardField::Company, "employer"),
    (StandardField::Phone, "telephone"),
    (StandardField::Phone, "phonenumber"),
    (StandardField::Phone, "tel"),
    (StandardField::MobilePhone, "mobile"),
    (StandardField::MobilePhone, "mobilenumber"),
    (StandardField::MobilePhone, "cellphone"),
    (StandardField::MobilePhone, "cell"),
    (StandardField::Website, "url"),
    (StandardField::MailingStreet, "street"),
    (StandardField::MailingStreet, "address"),
    (StandardField::MailingStreet, "streetaddress"),
    (StandardField::MailingCity, "city"),
    (StandardField::MailingState, "state"),
    (StandardField::MailingState, "region"),
    (StandardField::MailingPostalCode, "postalcode"),
    (StandardField::MailingPostalCode, "zip"),
    (StandardField::MailingPostalCode, "zipcode"),
    (StandardField::MailingPostalCode, "postcode"),
    (StandardField::MailingCountry, "country"),
    (StandardField::NumberOfEmployees, "employees"),
];

/// A name for Autopilot from a column name: `lifetime_value` → `Lifetime Value`.
fn custom_name(column: &str) -> String {
    column
        .split(|c: char| c == '_' || c == '-' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => std::iter::once(f.to_ascii_uppercase())
                    .chain(cs)
                    .collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The most specific type all `values` coerce to under the export's rules: boolean (only
/// words: `true/false/yes/no`), integer, float, date, else string.
fn guess(values: &[&str]) -> &'static CustomType {
    const ORDER: [CustomType; 4] = [
        CustomType::Boolean,
        CustomType::Integer,
        CustomType::Float,
        CustomType::Date,
    ];
    for ty in &ORDER {
        let fits = values.iter().all(|v| {
            let words_only =
                *ty != CustomType::Boolean || !v.trim().bytes().all(|b| b.is_ascii_digit());
            words_only && matches!(coerce(Cell::Str(v), *ty), Ok(Some(_)))
        });
        if fits {
            return ty;
        }
    }
    &CustomType::String
}

/// Suggests a mapping for columns `headers` whose sampled values are `samples[i]`.
pub fn suggest(headers: &[String], samples: &[Vec<String>]) -> Suggestion {
    let mut out = Suggestion::default();
    let mut used = vec![false; headers.len()];
    let norms: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    let pick = |names: &[&str], used: &mut Vec<bool>| -> Option<String> {
        let i = names.iter().find_map(|n| {
            let n = norm(n);
            norms
                .iter()
                .enumerate()
                .position(|(i, h)| *h == n && !used.get(i).copied().unwrap_or(true))
        })?;
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        headers.get(i).cloned()
    };
    // The email: a known name, else the column whose samples are all addresses.
    out.email = pick(EMAIL, &mut used).or_else(|| {
        let i = samples.iter().enumerate().position(|(i, vals)| {
            !used.get(i).copied().unwrap_or(true)
                && !vals.is_empty()
                && vals.iter().all(|v| email::normalize(v).is_ok())
        })?;
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        headers.get(i).cloned()
    });
    out.first_name = pick(FIRST, &mut used);
    out.last_name = pick(LAST, &mut used);
    out.id_field = pick(ID, &mut used);
    for f in StandardField::ALL {
        if matches!(f, StandardField::FirstName | StandardField::LastName) {
            continue;
        }
        let mut names = vec![f.as_str(), f.label()];
        names.extend(SYNONYMS.iter().filter(|(s, _)| s == f).map(|(_, n)| *n));
        if let Some(col) = pick(&names, &mut used) {
            out.fields.insert(f.as_str().to_string(), col);
        }
    }
    for (i, h) in headers.iter().enumerate() {
        if used.get(i).copied().unwrap_or(true) || h.trim().is_empty() {
            continue;
        }
        let values: Vec<&str> = samples
            .get(i)
            .map(|v| {
                v.iter()
                    .map(String::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        out.custom.push(CustomSuggestion {
            source: h.clone(),
            name: custom_name(h),
            ty: guess(&values).as_str(),
            samples: values.len() as u32,
        });
    }
    out
}

// The core's writer (crate::write); the keys are serde's.
crate::write::writable_struct!(CustomSuggestion {
    source: "source",
    name: "name",
    ty: "type",
    samples: "samples",
});
crate::write::writable_struct!(Suggestion {
    email: optional "email",
    first_name: optional "firstName",
    last_name: optional "lastName",
    fields: "fields",
    id_field: optional "idField",
    custom: "custom",
});

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn common_export_names_of_standard_fields() {
        let headers = cols(&[
            "email",
            "company_name",
            "Phone Number",
            "Mobile",
            "Post Code",
        ]);
        let s = suggest(&headers, &[]);
        let column = |f: StandardField| s.fields.get(f.as_str());
        assert_eq!(column(StandardField::Company), Some("company_name"));
        assert_eq!(column(StandardField::MailingPostalCode), Some("Post Code"));
        assert_eq!(column(StandardField::MobilePhone), Some("Mobile"));
        assert_eq!(column(StandardField::Phone), Some("Phone Number"));
        assert_eq!(s.fields.len(), 4);
        assert!(s.custom.is_empty());
    }

    #[test]
    fn suggests_standard_and_typed_custom_fields() {
        let headers = cols(&[
            "Customer ID",
            "E-mail",
            "given_name",
            "Surname",
            "company",
            "lifetime_value",
            "orders",
            "vip",
            "signup_date",
            "notes",
        ]);
        let samples: Vec<Vec<String>> = [
            vec!["C1", "C2"],
            vec!["a@x.io", "b@x.io"],
            vec!["Ada", "Bo"],
            vec!["L", "M"],
            vec!["Acme"],
            vec!["12.5", "7"],
            vec!["3", "10"],
            vec!["yes", "no"],
            vec!["2024-05-01", "20240402"],
            vec!["hello", ""],
        ]
        .iter()
        .map(|v| cols(v))
        .collect();
        let s = suggest(&headers, &samples);
        assert_eq!(s.email.as_deref(), Some("E-mail"));
        assert_eq!(s.first_name.as_deref(), Some("given_name"));
        assert_eq!(s.last_name.as_deref(), Some("Surname"));
        assert_eq!(s.id_field.as_deref(), Some("Customer ID"));
        assert_eq!(s.fields.get("Company"), Some("company"));
        let custom: Vec<(&str, &str, &str)> = s
            .custom
            .iter()
            .map(|c| (c.source.as_str(), c.name.as_str(), c.ty))
            .collect();
        assert_eq!(
            custom,
            [
                ("lifetime_value", "Lifetime Value", "float"),
                ("orders", "Orders", "integer"),
                ("vip", "Vip", "boolean"),
                ("signup_date", "Signup Date", "date"),
                ("notes", "Notes", "string"),
            ]
        );
    }

    #[test]
    fn an_email_column_is_found_by_its_values() {
        let s = suggest(
            &cols(&["a", "b"]),
            &[cols(&["x"]), cols(&["p@x.io", "q@y.org"])],
        );
        assert_eq!(s.email.as_deref(), Some("b"));
    }
}
