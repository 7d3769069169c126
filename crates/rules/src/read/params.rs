//! Reading the `[params]` table (dated parameter values) and checking `$param` references.

use super::fields::Fields;
use super::{Ctx, type_zh};
use crate::model::{LegalSource, Param, ParamType, ParamValue};
use crate::schema::AttrType;
use crate::tree::{Node, NodeKind};
use chrono::NaiveDate;
use qinqing_domain::Money;

impl Ctx<'_> {
    pub(super) fn read_params(&mut self, node: &Node) {
        let Some(entries) = node.as_table() else {
            self.sink
                .error(node.line, "params 应为表", "`params` must be a table");
            return;
        };
        for entry in entries {
            if !crate::schema::is_identifier(&entry.key) {
                self.sink.error(
                    entry.line,
                    format!("参数名“{}”只能包含小写字母、数字和下划线", entry.key),
                    format!(
                        "parameter name `{}` must be lower-case letters, digits, `_`",
                        entry.key
                    ),
                );
                continue;
            }
            if let Some(p) = self.param(&entry.key, &entry.value) {
                self.params.insert(entry.key.clone(), p);
            }
        }
    }

    fn param(&mut self, name: &str, node: &Node) -> Option<Param> {
        let what = format!("参数 {name}");
        let mut f = Fields::of(node, &what, &mut self.sink)?;
        let label = f.opt_str("label", &mut self.sink).map(|l| l.0);
        let ty = match f.opt_str("type", &mut self.sink) {
            Some((t, _)) if t == "money" => ParamType::Money,
            Some((t, _)) if t == "integer" => ParamType::Integer,
            Some((t, _)) if t == "rate" => ParamType::Rate,
            _ => {
                self.sink.error(
                    node.line,
                    format!("参数 {name} 的 type 应为 money、integer 或 rate"),
                    format!("parameter `{name}` needs `type` = money | integer | rate"),
                );
                ParamType::Money
            }
        };
        let source = match f.take("source") {
            Some(e) => Some(self.legal_source(&e.value)?),
            None => None,
        };
        let mut values = Vec::new();
        let mut sources = Vec::new();
        match f.take("values").map(|e| &e.value) {
            Some(Node {
                kind: NodeKind::Array(items),
                ..
            }) => {
                for item in items {
                    if let Some((v, own)) = self.param_value(item, ty, name) {
                        values.push(v);
                        sources.push(own.or_else(|| source.clone()));
                    }
                }
            }
            _ => self.sink.error(
                node.line,
                format!("参数 {name} 缺少 values = [{{ from = …, value = … }}]"),
                format!("parameter `{name}` needs `values = [{{ from = …, value = … }}]`"),
            ),
        }
        f.finish(
            &what,
            &["label", "type", "source", "values"],
            &mut self.sink,
        );
        for pair in values.windows(2) {
            if pair[1].0 <= pair[0].0 {
                self.sink.error(
                    node.line,
                    format!(
                        "参数 {name} 的生效日期应从早到晚排列且不重复({} 不晚于 {})",
                        pair[1].0, pair[0].0
                    ),
                    format!(
                        "the dates of parameter `{name}` must increase ({} is not after {})",
                        pair[1].0, pair[0].0
                    ),
                );
            }
        }
        if values.is_empty() {
            return None;
        }
        Some(Param {
            name: name.to_string(),
            label,
            ty,
            values,
            sources,
            line: node.line,
        })
    }

    /// `source = "第三条"` (a clause of this policy's document) or
    /// `source = { document_no = "闽政〔2023〕5号", article = "第四条" }`.
    pub(super) fn legal_source(&mut self, node: &Node) -> Option<LegalSource> {
        if let NodeKind::Str(article) = &node.kind {
            return self.article(article.clone(), node.line);
        }
        let mut f = Fields::of(node, "法律依据 source", &mut self.sink)?;
        let document_no = f.opt_str("document_no", &mut self.sink).map(|d| d.0);
        let article = f.req_str("article", "法律依据 source", &mut self.sink);
        f.finish(
            "法律依据 source",
            &["document_no", "article"],
            &mut self.sink,
        );
        let mut source = self.article(article?.0, node.line)?;
        source.document_no = document_no.filter(|d| !d.trim().is_empty());
        Some(source)
    }

    fn article(&mut self, article: String, line: usize) -> Option<LegalSource> {
        if article.trim().is_empty() {
            self.sink.error(
                line,
                "法律依据的条款(article)不能为空",
                "the `article` of a source must not be empty",
            );
            return None;
        }
        Some(LegalSource {
            document_no: None,
            article: article.trim().to_string(),
        })
    }

    fn param_value(
        &mut self,
        item: &Node,
        ty: ParamType,
        name: &str,
    ) -> Option<((NaiveDate, ParamValue), Option<LegalSource>)> {
        let what = format!("参数 {name} 的取值");
        let mut f = Fields::of(item, &what, &mut self.sink)?;
        let from = f.opt_date("from", &mut self.sink);
        let value = f.take("value");
        let source = match f.take("source") {
            Some(e) => Some(self.legal_source(&e.value)?),
            None => None,
        };
        f.finish(&what, &["from", "value", "source"], &mut self.sink);
        let Some((from, _)) = from else {
            self.sink.error(
                item.line,
                format!("{what}缺少 from 日期"),
                format!("a value of `{name}` lacks `from`"),
            );
            return None;
        };
        let Some(value) = value else {
            self.sink.error(
                item.line,
                format!("{what}缺少 value"),
                format!("a value of `{name}` lacks `value`"),
            );
            return None;
        };
        let text = value.value.scalar_text().unwrap_or_default();
        let parsed = match ty {
            ParamType::Money => Money::parse_yuan(&text)
                .map(ParamValue::Money)
                .map_err(|e| e.to_string()),
            ParamType::Integer => {
                crate::num::parse_scaled(&text, 0, false).map(ParamValue::Integer)
            }
            ParamType::Rate => crate::num::parse_decimal(&text, true).map(ParamValue::Rate),
        };
        match parsed {
            Ok(v) => Some(((from, v), source)),
            Err(e) => {
                self.sink.error(
                    value.line,
                    format!("参数 {name} 的取值“{text}”无效:{e}"),
                    format!("invalid value `{text}` of parameter `{name}`"),
                );
                None
            }
        }
    }

    /// Checks a parameter reference against the type it is used as.
    pub(crate) fn param_ref(&mut self, name: &str, line: usize, ty: AttrType) -> Option<()> {
        let Some(p) = self.params.get(name) else {
            self.sink.error(
                line,
                format!("未定义的参数“${name}”"),
                format!("undefined parameter `${name}`"),
            );
            return None;
        };
        let fits = matches!(
            (p.ty, ty),
            (ParamType::Money, AttrType::Money)
                | (ParamType::Integer, AttrType::Integer)
                | (ParamType::Rate, AttrType::Decimal)
        );
        if !fits {
            self.sink.error(
                line,
                format!("参数“${name}”的类型与此处所需的{}不符", type_zh(ty)),
                format!(
                    "parameter `${name}` does not have the type needed here ({})",
                    ty.as_str()
                ),
            );
            return None;
        }
        Some(())
    }
}
