//! The `[optimise]` section: the shared [`SearchConfig`] (which explorers run, restarts, budget,
//! each explorer's settings) next to the keys only one problem has.
//!
//! serde cannot combine `flatten` with `deny_unknown_fields`, so [`Optimise`] splits the table
//! itself: the shared keys go to [`SearchConfig`] (over the problem's own defaults), the rest to
//! the problem's type, which rejects anything it does not know.

pub use crate::explorer::{LatentPrior, MethodName, RandomConfig, SearchConfig};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A problem's search defaults (each problem ships its own budgets and explorers).
pub trait SearchDefaults {
    fn search_defaults() -> SearchConfig;
}

/// `[optimise]`: the shared [`SearchConfig`] and the problem's own keys `P`.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimise<P> {
    pub search: SearchConfig,
    pub problem: P,
}

impl<P: Default + SearchDefaults> Default for Optimise<P> {
    fn default() -> Self {
        Self {
            search: P::search_defaults(),
            problem: P::default(),
        }
    }
}

impl<'de, P: DeserializeOwned + SearchDefaults> Deserialize<'de> for Optimise<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut table = toml::Table::deserialize(d)?;
        let mut shared = match toml::Value::try_from(P::search_defaults()) {
            Ok(toml::Value::Table(t)) => t,
            _ => return Err(D::Error::custom("search defaults do not serialise")),
        };
        for key in SearchConfig::KEYS {
            if let Some(v) = table.remove(key) {
                shared.insert(key.to_string(), v);
            }
        }
        // Errors from a re-parsed table carry no position: name the key whose value they quote.
        let named = |m: String, t: &toml::Table| match culprit(&m, t) {
            Some(k) => format!("optimise.{k}: {m}"),
            None => m,
        };
        let search = toml::Value::Table(shared.clone())
            .try_into()
            .map_err(|e: toml::de::Error| D::Error::custom(named(e.message().replace('\n', " "), &shared)))?;
        // The problem's part names only its own keys as expected; name the shared ones too.
        let shared_keys: Vec<String> = SearchConfig::KEYS.iter().map(|k| format!("`{k}`")).collect();
        let problem = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| {
                let m = e.message().replace('\n', " ");
                let m = if m.starts_with("unknown field") {
                    m.replacen(
                        "expected one of ",
                        &format!("expected one of {}, ", shared_keys.join(", ")),
                        1,
                    )
                } else {
                    m
                };
                D::Error::custom(named(m, &table))
            })?;
        Ok(Self { search, problem })
    }
}

/// The key of `t` whose value holds the first backquoted token of a serde message (`unknown
/// variant `sgd``, `invalid value: integer `-1``), searching nested tables too.
fn culprit(message: &str, t: &toml::Table) -> Option<String> {
    let token = message.split('`').nth(1)?;
    for (k, v) in t {
        match v {
            toml::Value::Table(inner) => {
                if let Some(sub) = culprit(message, inner) {
                    return Some(format!("{k}.{sub}"));
                }
            }
            toml::Value::String(s) if s == token => return Some(k.clone()),
            toml::Value::Array(a) if a.iter().any(|x| x.as_str() == Some(token) || x.to_string() == token) => {
                return Some(k.clone())
            }
            other if other.to_string() == token => return Some(k.clone()),
            _ => {}
        }
    }
    None
}

impl<P: Serialize> Serialize for Optimise<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let table = |v: Result<toml::Value, toml::ser::Error>| match v {
            Ok(toml::Value::Table(t)) => Ok(t),
            Ok(_) => Err(S::Error::custom("[optimise] must be a table")),
            Err(e) => Err(S::Error::custom(e)),
        };
        let mut all = table(toml::Value::try_from(&self.problem))?;
        // Plain keys before tables, so the TOML text keeps them under [optimise].
        let shared = table(toml::Value::try_from(&self.search))?;
        all.extend(shared);
        all.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Checker;

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Own {
        kappa: f64,
    }
    impl SearchDefaults for Own {
        fn search_defaults() -> SearchConfig {
            SearchConfig {
                restarts: 3,
                ..Default::default()
            }
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        optimise: Optimise<Own>,
    }

    #[test]
    fn keys_split_between_shared_and_own_with_the_problem_defaults() {
        let d: Doc =
            toml::from_str("[optimise]\nbudget = 7\nkappa = 2.0\n[optimise.genetic]\npopulation = 9\n").unwrap();
        assert_eq!(d.optimise.search.budget, 7);
        assert_eq!(
            d.optimise.search.restarts, 3,
            "the problem's default, not the global one"
        );
        assert_eq!(d.optimise.search.genetic.population, 9);
        assert_eq!(d.optimise.problem.kappa, 2.0);
        let text = toml::to_string(&d).unwrap();
        let back: Doc = toml::from_str(&text).unwrap();
        assert_eq!(back, d, "{text}");
        let err = toml::from_str::<Doc>("[optimise]\nkapa = 1.0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `kapa`"), "{err}");
    }

    #[test]
    fn explorer_settings_are_checked_with_their_key() {
        let mut cfg = SearchConfig {
            methods: MethodName::ALL.to_vec(),
            ..Default::default()
        };
        cfg.genetic.population = 0;
        let mut c = Checker::new("x.toml");
        cfg.check(&mut c);
        let e = c.finish().unwrap_err().to_string();
        assert!(e.starts_with("x.toml: optimise.genetic is invalid: "), "{e}");
        cfg.genetic.population = 10;
        cfg.stochastic.samples = 0;
        let mut c = Checker::new("x.toml");
        cfg.check(&mut c);
        assert!(c
            .finish()
            .unwrap_err()
            .to_string()
            .starts_with("x.toml: optimise.stochastic is invalid"));
        cfg.stochastic.samples = 8;
        // A budget that multistart's race fits, so that replica's is the first bad setting.
        cfg.budget = 20_000;
        cfg.replica.t_ratio = 2.0;
        let mut c = Checker::new("x.toml");
        cfg.check(&mut c);
        let e = c.finish().unwrap_err().to_string();
        assert!(
            e.starts_with("x.toml: optimise.replica is invalid") && e.contains("t_ratio must be in (0, 1], got 2"),
            "{e}"
        );
    }

    #[test]
    fn multistart_needs_a_budget_for_its_rounds_only_when_listed() {
        let check = |methods: Vec<MethodName>| {
            let cfg = SearchConfig {
                methods,
                budget: 200,
                ..Default::default()
            };
            let mut c = Checker::new("x.toml");
            cfg.check(&mut c);
            c.finish().map_err(|e| e.to_string())
        };
        assert!(check(vec![MethodName::Adam]).is_ok());
        let e = check(vec![MethodName::Adam, MethodName::Multistart]).unwrap_err();
        assert!(
            e.starts_with("x.toml: optimise.multistart is invalid: ")
                && e.contains("screen (2000) leaves 0 of the budget (200)"),
            "{e}"
        );
    }
}
