//! Enterprise profiles into columns, one row of an enterprise file (identity and one year's
//! figures) at a time: the rows of one enterprise become one row of the store, in the order the
//! enterprises first appear, holding what [`Facts::from_profile`] would hold.
//!
//! [`Facts::from_profile`]: crate::Facts::from_profile

use super::columns::{Columns, ColumnsBuilder};
use crate::facts::{Value, figure_values, identity_values};
use crate::schema::{Entity, Schema};
use qinqing_domain::enterprise::{EnterpriseIdentity, Qualification, YearFigures};
use std::collections::HashMap;

pub struct ProfileColumns<'s> {
    builder: ColumnsBuilder<'s>,
    /// Credit code → row of the store.
    rows: HashMap<String, usize>,
    /// The schema ids of the few attributes a profile states, looked up once (a row sets
    /// about ten values; hashing each name would cost more than storing it).
    ids: Vec<(&'static str, Option<usize>)>,
}

impl ProfileColumns<'_> {
    fn set(&mut self, row: usize, attr: &'static str, year: Option<i32>, value: &Value) {
        let id = match self.ids.iter().find(|(name, _)| *name == attr) {
            Some(&(_, id)) => id,
            None => {
                let id = self.builder.schema().get(attr);
                self.ids.push((attr, id));
                id
            }
        };
        if let Some(id) = id {
            self.builder.set_by_id(row, id, year, value);
        }
    }
}

impl<'s> ProfileColumns<'s> {
    pub fn new(schema: &'s Schema) -> ProfileColumns<'s> {
        ProfileColumns {
            builder: ColumnsBuilder::new(schema, Entity::Enterprise),
            rows: HashMap::new(),
            ids: Vec::new(),
        }
    }

    /// Adds one file row. The identity and qualifications of an enterprise's first row are the
    /// ones kept (an import-format file has the same on every row of an enterprise).
    pub fn add(
        &mut self,
        identity: &EnterpriseIdentity,
        qualifications: &[Qualification],
        figures: &YearFigures,
    ) {
        let code = identity.credit_code.as_str();
        let row = match self.rows.get(code) {
            Some(&row) => row,
            None => {
                let row = self.builder.add_subject(code, Some(qualifications));
                identity_values(identity, |attr, value| self.set(row, attr, None, &value));
                self.rows.insert(code.to_string(), row);
                row
            }
        };
        figure_values(figures, |attr, value| {
            self.set(row, attr, Some(figures.year), &value);
        });
    }

    /// Sets a static attribute of every enterprise from its credit code.
    pub fn set_each(&mut self, attr: &str, value: impl Fn(&str) -> Value) {
        for row in 0..self.builder.len() {
            let v = value(self.builder.subject_id(row));
            self.builder.set_value(row, attr, None, &v);
        }
    }

    pub fn finish(self) -> Columns {
        self.builder.finish()
    }
}
