//! The scene's part of the demo district: the offices that decide the matters, with a window
//! clerk (经办人) and a lead each, so every matter can be applied for, taken in and decided.

use crate::case::{self, ApplyInput, CaseDecisionInput};
use crate::catalogue::LAND_TITLE_MATTER;
use crate::fee::{self, CounterPaymentInput};
use crate::notice::{self, NoticeInput, ObjectionInput};
use crate::project::{self, ProjectInput};
use crate::review::{self, ExpertInput};
use crate::vault::{self, VaultInput};
use qinqing_domain::deadline::local_date;
use qinqing_domain::org::{OrgKind, Role};
use qinqing_exchange::pdf::{Block, Document};
use qinqing_kernel::attachments::NewMaterial;
use qinqing_kernel::demo::{DemoOffice, add_offices, principal};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};

const OFFICES: [DemoOffice; 6] = [
    DemoOffice {
        name: "发展和改革局",
        kind: OrgKind::Department,
        staff: &[
            ("fgj", "方发改", Role::Handler),
            ("fgj.lead", "傅局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "自然资源局",
        kind: OrgKind::Department,
        staff: &[
            ("zrj", "曾规划", Role::Handler),
            ("zrj.lead", "钟局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "住房和城乡建设局",
        kind: OrgKind::Department,
        staff: &[
            ("zjj", "庄建设", Role::Handler),
            ("zjj.lead", "卓局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "生态环境局",
        kind: OrgKind::Department,
        staff: &[
            ("hbj", "何环评", Role::Handler),
            ("hbj.lead", "韩局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "水利局",
        kind: OrgKind::Department,
        staff: &[
            ("slj", "施水保", Role::Handler),
            ("slj.lead", "石局长", Role::DepartmentLead),
        ],
    },
    DemoOffice {
        name: "行政服务中心",
        kind: OrgKind::ServiceCentre,
        staff: &[
            ("fwzx", "范窗口", Role::Handler),
            ("fwzx.lead", "冯主任", Role::DepartmentLead),
        ],
    },
];

/// The offices and their staff (every demo district).
pub async fn load(app: &App) -> AppResult<()> {
    add_offices(app, &OFFICES).await
}

/// The full demo's projects: one with its land's title under way in its first stage, one
/// without it whose 建设工程规划许可证 waits for the lead (who may approve it 模拟), and one whose
/// 模拟 approval became formal when its land was registered.
pub async fn load_history(app: &App) -> AppResult<()> {
    let Some(firm) = principal(app, "enterprise").await? else {
        return Ok(());
    };
    let Some(code) = firm.enterprises().first().map(ToString::to_string) else {
        return Ok(());
    };
    let demo = Demo { app, firm, code };
    demo.experts().await?;
    let titled = demo
        .project(
            "年产 10 万套智能卫浴生产线项目",
            ("2026G-012", "东园镇锦厝村"),
            Some("闽(2026)泉州台商投资区不动产权第 0001234 号"),
        )
        .await?;
    demo.approve(&titled, "project_filing", "fgj", None).await?;
    demo.approve(&titled, "land_pre_review", "zrj", None)
        .await?;
    demo.take_in(&titled, "land_use_permit", "zrj").await?;
    demo.take_in(&titled, "eia_approval", "hbj").await?;
    demo.take_in(&titled, "soil_conservation", "slj").await?;

    let waiting = demo
        .project("新建标准厂房项目", ("2026G-027", "张坂镇后边村"), None)
        .await?;
    demo.approve_up_to_the_permit(&waiting).await?;
    demo.take_in(&waiting, "building_planning_permit", "zrj")
        .await?;

    let converted = demo
        .project("智能装备产业园二期项目", ("2026G-031", "洛阳镇"), None)
        .await?;
    demo.approve_up_to_the_permit(&converted).await?;
    // Half a year from today, as a department would set it.
    let last_day = local_date(app.now()) + chrono::Duration::days(183);
    let last_day = last_day.format("%Y-%m-%d").to_string();
    let terms = (
        "以取得不动产权证为生效条件;规划指标不得调整",
        last_day.as_str(),
    );
    demo.approve(&converted, "building_planning_permit", "zrj", Some(terms))
        .await?;
    let title = CaseDecisionInput {
        approve: true,
        land_title_no: Some("闽(2026)泉州台商投资区不动产权第 0002468 号".into()),
        ..CaseDecisionInput::default()
    };
    let receipt = demo.take_in(&converted, LAND_TITLE_MATTER, "zrj").await?;
    demo.paid_at_counter(&receipt, "zrj").await?;
    demo.decide(&receipt, "zrj", &title).await?;
    demo.notice_with_an_objection(&converted).await
}

/// The demo enterprise's projects, played through the use cases.
struct Demo<'a> {
    app: &'a App,
    firm: Principal,
    code: String,
}

impl Demo<'_> {
    async fn project(
        &self,
        name: &str,
        (parcel, location): (&str, &str),
        land_title_no: Option<&str>,
    ) -> AppResult<String> {
        let input = ProjectInput {
            credit_code: self.code.clone(),
            name: name.into(),
            parcel: parcel.into(),
            location: location.into(),
            investment: "120000000".into(),
            floor_area: "36500.5".into(),
            land_title_no: land_title_no.map(Into::into),
            ..ProjectInput::default()
        };
        let meta = RequestMeta::default();
        Ok(project::register(self.app, &self.firm, &input, &meta)
            .await?
            .code)
    }

    async fn apply(&self, project: &str, matter: &str) -> AppResult<String> {
        self.file_materials(project, matter).await?;
        let input = ApplyInput {
            matter: matter.into(),
            note: None,
        };
        let meta = RequestMeta::default();
        Ok(case::apply(self.app, &self.firm, project, &input, &meta)
            .await?
            .receipt_no)
    }

    /// Files in the project's 数据云柜 each material of the matter it cannot serve yet, as a
    /// one-page sample PDF.
    async fn file_materials(&self, project: &str, matter: &str) -> AppResult<()> {
        let wanted = vault::of_project(self.app, &self.firm, project)
            .await?
            .wanted;
        let materials = crate::catalogue()
            .get(matter)
            .map(|m| m.materials.clone())
            .unwrap_or_default();
        for material in materials.iter().filter(|m| wanted.contains(m)) {
            let file = NewMaterial {
                label: material,
                file_name: &format!("{material}.pdf"),
                bytes: sample_pdf().to_vec(),
            };
            let input = VaultInput {
                material: material.clone(),
                valid_until: None,
            };
            let meta = RequestMeta::default();
            vault::file(self.app, &self.firm, project, &input, file, &meta).await?;
        }
        Ok(())
    }

    /// The case's fees, paid at the office's counter.
    async fn paid_at_counter(&self, receipt: &str, office: &str) -> AppResult<()> {
        let clerk = staff(self.app, office).await?;
        let input = CounterPaymentInput {
            receipt_no: "闽财非税(2026)00012345".into(),
        };
        let meta = RequestMeta::default();
        fee::paid_at_counter(self.app, &clerk, receipt, &input, &meta).await?;
        Ok(())
    }

    /// Applied for and taken in by the office's window clerk.
    async fn take_in(&self, project: &str, matter: &str, office: &str) -> AppResult<String> {
        let receipt = self.apply(project, matter).await?;
        let clerk = staff(self.app, office).await?;
        case::accept(self.app, &clerk, &receipt, &RequestMeta::default()).await?;
        Ok(receipt)
    }

    async fn decide(
        &self,
        receipt: &str,
        office: &str,
        input: &CaseDecisionInput,
    ) -> AppResult<()> {
        let lead = staff(self.app, &format!("{office}.lead")).await?;
        case::decide(self.app, &lead, receipt, input, &RequestMeta::default()).await?;
        Ok(())
    }

    /// Applied for, taken in and approved; 模拟 on (conditions, last day) when given.
    async fn approve(
        &self,
        project: &str,
        matter: &str,
        office: &str,
        simulated: Option<(&str, &str)>,
    ) -> AppResult<()> {
        let receipt = self.take_in(project, matter, office).await?;
        let input = CaseDecisionInput {
            approve: true,
            note: Some("材料齐全,符合规定,准予许可".into()),
            conditions: simulated.map(|(c, _)| c.into()),
            lapses_on: simulated.map(|(_, on)| on.into()),
            ..CaseDecisionInput::default()
        };
        self.decide(&receipt, office, &input).await
    }

    /// 自然资源局's 批后公示 of the project's planning permits, in its period today, with an
    /// objection from a neighbour waiting for the answer.
    async fn notice_with_an_objection(&self, project: &str) -> AppResult<()> {
        let clerk = staff(self.app, "zrj").await?;
        let shown = project::get(self.app, &clerk, project).await?;
        let receipts = shown
            .stages
            .iter()
            .flat_map(|s| &s.matters)
            .filter(|m| ["land_use_permit", "building_planning_permit"].contains(&m.code.as_str()))
            .filter_map(|m| m.receipt_no.clone())
            .collect();
        let today = local_date(self.app.now());
        let input = NoticeInput {
            cases: receipts,
            title: format!("{}规划许可批后集中公示", shown.name),
            body: "项目用地面积 46,800 平方米,容积率 1.6,建筑密度 45%,绿地率 15%;\n建设用地规划许可证、建设工程规划许可证已核发,现予公示。".into(),
            starts_on: today.format("%Y-%m-%d").to_string(),
            ends_on: (today + chrono::Duration::days(9)).format("%Y-%m-%d").to_string(),
        };
        let meta = RequestMeta::default();
        let published = notice::publish(self.app, &clerk, &input, &meta).await?;
        let objection = ObjectionInput {
            name: "陈海滨".into(),
            phone: "13905951234".into(),
            content: "厂房北侧距洛阳镇居民区较近,请说明货车进出道路的安排。".into(),
        };
        notice::object(self.app, &published.code, (&objection, None), &meta).await?;
        Ok(())
    }

    /// The pool of review experts; one declared an interest in the demo enterprise, so stands
    /// aside from its reviews.
    async fn experts(&self) -> AppResult<()> {
        let admin = staff(self.app, "admin").await?;
        let pool = [
            ("林志远", "planning", "泉州市城市规划设计研究院", ""),
            ("黄晓岚", "planning", "厦门大学建筑与土木工程学院", ""),
            (
                "郑国华",
                "planning",
                "福建省城乡规划设计研究院",
                self.code.as_str(),
            ),
            ("陈明辉", "planning", "华侨大学建筑学院", ""),
            ("王建平", "architecture", "福建省建筑设计研究院", ""),
            ("苏文彬", "fire", "泉州市消防救援支队(退休)", ""),
            ("吴海燕", "environment", "泉州市环境科学研究所", ""),
            ("许志强", "water", "泉州市水利水电勘测设计院", ""),
        ];
        for (i, (name, speciality, employer, conflicts)) in pool.into_iter().enumerate() {
            let input = ExpertInput {
                name: name.into(),
                speciality: speciality.into(),
                employer: employer.into(),
                phone: format!("1390595{:04}", 1001 + i),
                conflicts: conflicts.into(),
            };
            review::add_expert(self.app, &admin, &input, &RequestMeta::default()).await?;
        }
        Ok(())
    }

    /// Every matter before the 建设工程规划许可证 approved.
    async fn approve_up_to_the_permit(&self, project: &str) -> AppResult<()> {
        self.approve(project, "project_filing", "fgj", None).await?;
        for matter in ["land_pre_review", "land_use_permit", "design_review"] {
            self.approve(project, matter, "zrj", None).await?;
        }
        Ok(())
    }
}

/// The one-page PDF every demo material is: written once (embedding the font's glyphs is the
/// costly part, and every test's district is a demo), the same for every material.
fn sample_pdf() -> &'static [u8] {
    static PDF: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
        qinqing_exchange::pdf::write(&Document {
            title: "演示材料".into(),
            subtitle: "亲清家园演示区".into(),
            footer: "亲清家园演示区".into(),
            blocks: vec![Block::Paragraph(
                "本文件是演示区生成的示例申请材料,不具法律效力。".into(),
            )],
        })
    });
    &PDF
}

async fn staff(app: &App, username: &str) -> AppResult<Principal> {
    principal(app, username)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("demo account {username} missing")))
}
