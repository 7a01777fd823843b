package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/catalogue"
	"sunshine/pkg/identity"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/tenancy"
	"sunshine/pkg/tenant"
)

// seedCatalogue gives every demo tenant its power catalogue: fourteen items across the
// categories, most filed (cases can run them), one published awaiting filing (overdue
// in some counties), one submitted, one returned, one draft, and a filed item with a
// published revision. Tenants are seeded concurrently, one transaction per item, and
// items that exist are skipped, so re-running converges.
func (s *Seeder) seedCatalogue(ctx context.Context, all []*tenant.Tenant) error {
	if s.Catalogue == nil {
		return nil
	}
	var city *tenant.Tenant
	for _, t := range all {
		if t.Level == tenant.LevelCity && (city == nil || t.Code == CityCode) {
			city = t
		}
	}
	if city == nil {
		return nil
	}
	filer, err := s.staffActor(ctx, city, "legal")
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(all))
	for i, t := range all {
		if t.Code != city.Code && (t.ParentID == nil || *t.ParentID != city.ID) {
			continue
		}
		wg.Add(1)
		go func(i int, t *tenant.Tenant) {
			defer wg.Done()
			errs[i] = s.seedTenantCatalogue(ctx, t, i, filer)
		}(i, t)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("catalogue of %s: %w", all[i].Code, err)
		}
	}
	return nil
}

func (s *Seeder) seedTenantCatalogue(ctx context.Context, t *tenant.Tenant, index int, filer actor.Actor) error {
	have, err := s.Catalogue.SeedCodes(ctx, t)
	if err != nil {
		return err
	}
	items, depts, err := s.demoItems(ctx, t, index)
	if err != nil {
		return err
	}
	reviewer, err := s.staffActor(ctx, t, "legal")
	if err != nil {
		return err
	}
	for _, it := range items {
		if have[it.Content.Code] {
			continue
		}
		d := depts[it.Content.DepartmentID]
		drafter := actor.Actor{Kind: actor.KindUser, Username: "demo", DisplayName: d.Name + "（演示）",
			TenantID: t.ID, TenantCode: t.Code, TenantPath: t.Path, DepartmentID: d.ID}
		if err := s.Catalogue.Seed(ctx, t, catalogue.SeedActors{Drafter: drafter, Reviewer: reviewer, Filer: filer}, it); err != nil {
			return fmt.Errorf("%s %s: %w", it.Content.Code, it.Content.Name, err)
		}
	}
	return nil
}

// staffActor is a demo account acting in its tenant (for the audit trail's names).
func (s *Seeder) staffActor(ctx context.Context, t *tenant.Tenant, username string) (actor.Actor, error) {
	a := actor.Actor{Kind: actor.KindUser, Username: username, TenantID: t.ID, TenantCode: t.Code, TenantPath: t.Path}
	err := s.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		u, err := identity.FindUser(tx, t.ID, username)
		if err != nil {
			return err
		}
		a.UserID, a.DisplayName = u.ID, u.DisplayName
		if u.DepartmentID != nil {
			a.DepartmentID = *u.DepartmentID
		}
		return nil
	})
	return a, err
}

// demoItems builds tenant t's items. index varies the details between counties (one
// in three has its pending filing overdue).
func (s *Seeder) demoItems(ctx context.Context, t *tenant.Tenant, index int) ([]catalogue.SeedItem, map[uuid.UUID]tenancy.Department, error) {
	var list []tenancy.Department
	err := s.DB.Tx(ctx, db.TenantScope(t.ID, uuid.Nil), func(tx *gorm.DB) error {
		var err error
		list, err = tenancy.ListDepartments(tx, []uuid.UUID{t.ID})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	byCode := map[string]uuid.UUID{}
	byID := map[uuid.UUID]tenancy.Department{}
	for _, d := range list {
		byCode[d.Code] = d.ID
		byID[d.ID] = d
	}
	for _, need := range []string{"ZWFW", "FGW", "ZRZY", "ZJJ", "STHJ", "SCJG", "WJW", "MZJ", "CZJ", "SFJ"} {
		if _, ok := byCode[need]; !ok {
			return nil, nil, fmt.Errorf("department %s missing", need)
		}
	}
	complaint := catalogue.ComplaintChannels{Phone: "12345", Address: t.Name + "政务服务中心一楼投诉受理窗口", URL: "https://www.ha.gov.cn/"}
	licence := []string{"知情权", "陈述权", "申辩权", "依法要求听证", "申请行政复议", "提起行政诉讼"}
	penalty := []string{"陈述权", "申辩权", "要求听证", "申请行政复议", "提起行政诉讼", "申请国家赔偿"}
	base := func(code, name, category, dept string) catalogue.Content {
		return catalogue.Content{
			Code: code, Name: name, Category: category, DepartmentID: byCode[dept],
			LeadingOfficial: "分管副局长", ResponsibleUnit: "行政审批股", ExtensionDays: catalogue.DefaultExtensionDays,
			StaffDuties:        "承办人对申请材料进行审查，提出审查意见；股室负责人复核；分管领导审批签发。对审查中发现的问题一次性告知申请人。",
			CounterpartyRights: licence, ComplaintChannels: complaint, EnquiryPhone: "0372-3186" + fmt.Sprintf("%03d", 100+index),
			Free: true, HandlingType: catalogue.HandlingPromise,
		}
	}
	green := func(n int) *int { return &n }
	overdue := time.Duration(0)
	if index%3 == 1 {
		overdue = 10 * 24 * time.Hour
	}

	// 1. 建设工程规划许可证核发 — parallel site survey and housing opinion.
	planning := base("XK-ZRZY-001", "建设工程规划许可证核发", "行政许可", "ZRZY")
	planning.ResponsibleUnit = "规划审批科"
	planning.LegalLimit, planning.PromisedLimit, planning.GreenLimit = 20, 10, green(7)
	planning.LegalBasis = []catalogue.LegalBasis{{Law: "《中华人民共和国城乡规划法》", Article: "第四十条",
		Text: "在城市、镇规划区内进行建筑物、构筑物、道路、管线和其他工程建设的，建设单位或者个人应当向城市、县人民政府城乡规划主管部门或者省、自治区、直辖市人民政府确定的镇人民政府申请办理建设工程规划许可证。"}}
	planning.Conditions = "已取得建设用地规划许可证和土地使用权证明；建设工程设计方案符合控制性详细规划和规划条件。"
	planning.Materials = []catalogue.Material{
		{Name: "建设工程规划许可申请表", Required: true, Copies: 1},
		{Name: "使用土地的有关证明文件", Required: true, Copies: 1},
		{Name: "建设工程设计方案（总平面图、建筑单体图）", Required: true, Copies: 2},
		{Name: "授权委托书及受托人身份证明", Required: false, Copies: 1, Note: "委托办理时提交"},
	}
	planning.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "窗口受理", "ZWFW", "window_clerk", "综合受理窗口", 1, false, "核验材料齐全性，当场受理或一次性告知补正。", "可要求一次性告知需补正的全部内容"),
			task("review", "方案审查", "ZRZY", "case_handler", "规划审批科承办人", 3, true, "审查设计方案是否符合规划条件。", "可陈述意见"),
			splitStep("sp"),
			task("survey", "现场踏勘", "ZRZY", "case_handler", "测绘勘察岗", 2, false, "踏勘现场，核对用地范围。", ""),
			task("housing", "征求住建部门意见", "ZJJ", "case_handler", "住建局审批股", 2, false, "就建筑设计、消防等提出意见。", ""),
			joinStep("jn"),
			task("decide", "审批决定", "ZRZY", "dept_admin", "分管副局长", 2, true, "作出准予或不予许可决定；不予许可的说明理由。", "不予许可的，可申请行政复议或提起行政诉讼"),
			task("issue", "制证送达", "ZWFW", "window_clerk", "综合出件窗口", 1, false, "制发许可证并送达。", ""),
			endStep()},
		chain("start", "accept", "review", "sp"), fan("sp", "jn", "survey", "housing"), chain("jn", "decide", "issue", "end"))

	// 2. 建筑工程施工许可证核发 — 住建 ‖ 自然资源 ‖ 生态环境, the parallel approval.
	construction := base("XK-ZJJ-001", "建筑工程施工许可证核发", "行政许可", "ZJJ")
	construction.ResponsibleUnit = "建筑业管理股"
	construction.LegalLimit, construction.PromisedLimit, construction.GreenLimit = 7, 5, green(3)
	construction.LegalBasis = []catalogue.LegalBasis{
		{Law: "《中华人民共和国建筑法》", Article: "第七条", Text: "建筑工程开工前，建设单位应当按照国家有关规定向工程所在地县级以上人民政府建设行政主管部门申请领取施工许可证。"},
		{Law: "《建筑工程施工许可管理办法》", Article: "第五条", Text: "发证机关应当自收到申请之日起七日内，对符合条件的申请颁发施工许可证。"},
	}
	construction.Conditions = "已办理用地批准手续；已取得建设工程规划许可证；施工场地已基本具备施工条件；已确定施工企业；有满足施工需要的资金安排、施工图纸及技术资料。"
	construction.Materials = []catalogue.Material{
		{Name: "建筑工程施工许可证申请表", Required: true, Copies: 1},
		{Name: "建设工程规划许可证", Required: true, Copies: 1},
		{Name: "中标通知书或直接发包批准文件", Required: true, Copies: 1},
		{Name: "施工图设计文件审查合格书", Required: true, Copies: 1},
		{Name: "建设资金已经落实承诺书", Required: true, Copies: 1},
	}
	construction.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "窗口受理", "ZWFW", "window_clerk", "工程建设项目综合窗口", 1, true, "一窗受理，材料分送各部门并联审查。", "可要求一次性告知需补正的全部内容"),
			splitStep("parallel"),
			task("zjj", "施工条件审查", "ZJJ", "case_handler", "建筑业管理股承办人", 2, true, "审查施工企业资质、图纸审查、质量安全监督手续。", ""),
			task("zrzy", "规划许可核验", "ZRZY", "case_handler", "规划审批科", 2, true, "核验建设工程规划许可证及用地手续。", ""),
			task("sthj", "环评审批核验", "STHJ", "case_handler", "环评审批股", 2, true, "核验环境影响评价审批文件。", ""),
			joinStep("merge"),
			{ID: "decide", Name: "审批决定", Kind: catalogue.KindTask, Post: "局长", Role: "dept_admin", DepartmentCode: "ZJJ", TimeLimit: 1, Counts: true, Checkpoint: true,
				Duties: "汇总并联审查意见，作出许可决定。", CounterpartyRights: "不予许可的，可申请行政复议或提起行政诉讼"},
			task("issue", "发证", "ZWFW", "window_clerk", "综合出件窗口", 1, true, "发放施工许可证。", ""),
			endStep()},
		chain("start", "accept", "parallel"), fan("parallel", "merge", "zjj", "zrzy", "sthj"), chain("merge", "decide", "issue", "end"))

	// 3. 食品经营许可 — filed, with a published revision shortening the promise.
	food := base("XK-SCJG-001", "食品经营许可", "行政许可", "SCJG")
	food.ResponsibleUnit = "食品经营许可科"
	food.LegalLimit, food.PromisedLimit = 20, 10
	food.LegalBasis = []catalogue.LegalBasis{
		{Law: "《中华人民共和国食品安全法》", Article: "第三十五条", Text: "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可。"},
		{Law: "《食品经营许可和备案管理办法》", Article: "第二十二条"},
	}
	food.Conditions = "具有与经营的食品品种、数量相适应的经营场所；有食品安全管理人员和保证食品安全的规章制度。"
	food.Materials = []catalogue.Material{{Name: "食品经营许可申请书", Required: true, Copies: 1}, {Name: "营业执照复印件", Required: true, Copies: 1},
		{Name: "经营场所平面布局图", Required: true, Copies: 1}, {Name: "食品安全管理制度文本", Required: true, Copies: 1}}
	food.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZWFW", "window_clerk", "市场准入窗口", 1, true, "核验材料。", ""),
			task("check", "材料审查", "SCJG", "case_handler", "食品经营许可科", 3, true, "审查申请材料。", ""),
			{ID: "site", Name: "现场核查", Kind: catalogue.KindTask, Post: "核查员（两人）", Role: "case_handler", DepartmentCode: "SCJG", TimeLimit: 3, Counts: true, Checkpoint: true,
				Duties: "两名以上核查人员现场核查经营条件，制作核查记录。", CounterpartyRights: "可要求核查人员出示执法证件"},
			task("decide", "许可决定", "SCJG", "dept_admin", "分管副局长", 2, true, "作出许可决定。", "不予许可的，可申请行政复议或提起行政诉讼"),
			task("issue", "制证", "ZWFW", "window_clerk", "出件窗口", 1, true, "制发许可证。", ""),
			endStep()},
		chain("start", "accept", "check", "site", "decide", "issue", "end"))
	foodRev := food
	foodRev.PromisedLimit = 7
	foodRev.ChangeNote = "压缩承诺时限至 7 个工作日，增加健康证明材料。"
	foodRev.Materials = append(append([]catalogue.Material{}, food.Materials...), catalogue.Material{Name: "从业人员健康证明", Required: true, Copies: 1})
	foodRev.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZWFW", "window_clerk", "市场准入窗口", 0, true, "核验材料，当日流转。", ""),
			task("check", "材料审查", "SCJG", "case_handler", "食品经营许可科", 2, true, "审查申请材料。", ""),
			{ID: "site", Name: "现场核查", Kind: catalogue.KindTask, Post: "核查员（两人）", Role: "case_handler", DepartmentCode: "SCJG", TimeLimit: 2, Counts: true, Checkpoint: true,
				Duties: "两名以上核查人员现场核查经营条件，制作核查记录。", CounterpartyRights: "可要求核查人员出示执法证件"},
			task("decide", "许可决定", "SCJG", "dept_admin", "分管副局长", 2, true, "作出许可决定。", "不予许可的，可申请行政复议或提起行政诉讼"),
			task("issue", "制证", "ZWFW", "window_clerk", "出件窗口", 1, true, "制发许可证。", ""),
			endStep()},
		chain("start", "accept", "check", "site", "decide", "issue", "end"))

	// 4. 排污许可证核发 — technical review in parallel with public notice.
	pollution := base("XK-STHJ-001", "排污许可证核发", "行政许可", "STHJ")
	pollution.ResponsibleUnit = "环评与排污许可股"
	pollution.LegalLimit, pollution.PromisedLimit = 30, 15
	pollution.LegalBasis = []catalogue.LegalBasis{{Law: "《排污许可管理条例》", Article: "第十三条",
		Text: "审批部门应当自受理申请之日起20日内作出审批决定；对实行排污许可重点管理的，应当自受理申请之日起30日内作出审批决定。"}}
	pollution.Conditions = "依法取得建设项目环境影响评价文件审批意见或者按照规定完成备案；污染物排放符合排放标准和总量控制要求。"
	pollution.Materials = []catalogue.Material{{Name: "排污许可证申请表", Required: true, Copies: 1}, {Name: "自行监测方案", Required: true, Copies: 1},
		{Name: "环境影响评价审批文件", Required: true, Copies: 1}}
	pollution.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZWFW", "window_clerk", "综合受理窗口", 1, true, "核验材料。", ""),
			splitStep("sp"),
			task("tech", "技术审查", "STHJ", "case_handler", "排污许可技术审查组", 8, true, "审查排放口、排放标准、自行监测方案。", "可就审查意见陈述说明"),
			task("notice", "信息公开", "STHJ", "case_handler", "信息公开岗", 5, false, "在全国排污许可证管理信息平台公开申请信息。", "公众可提出意见"),
			joinStep("jn"),
			task("decide", "审批决定", "STHJ", "dept_admin", "分局局长", 3, true, "作出核发决定。", "不予许可的，可申请行政复议或提起行政诉讼"),
			endStep()},
		chain("start", "accept", "sp"), fan("sp", "jn", "tech", "notice"), chain("jn", "decide", "end"))

	// 5. 企业投资项目核准 — 发改 ‖ 自然资源 ‖ 生态环境 opinions, green channel.
	investment := base("XK-FGW-001", "企业投资项目核准", "行政许可", "FGW")
	investment.ResponsibleUnit = "投资股"
	investment.LegalLimit, investment.PromisedLimit, investment.GreenLimit = 20, 15, green(10)
	investment.LegalBasis = []catalogue.LegalBasis{{Law: "《企业投资项目核准和备案管理条例》", Article: "第九条",
		Text: "核准机关应当自受理申请之日起20个工作日内，作出是否予以核准的决定；项目情况复杂或者需要征求有关单位意见的，经本机关主要负责人批准，可以延长核准期限，但延长的期限不得超过40个工作日。"}}
	investment.ExtensionDays = 40
	investment.Conditions = "项目属于政府核准的投资项目目录范围；符合国家产业政策、发展规划和国土空间规划。"
	investment.Materials = []catalogue.Material{{Name: "项目申请报告", Required: true, Copies: 3}, {Name: "用地预审与选址意见书", Required: true, Copies: 1},
		{Name: "企业营业执照", Required: true, Copies: 1}}
	investment.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZWFW", "window_clerk", "投资项目综合窗口", 1, true, "一窗受理，分送并联审查。", ""),
			splitStep("sp"),
			task("fgw", "核准审查", "FGW", "case_handler", "投资股承办人", 8, true, "审查产业政策、资源利用、经济社会影响。", ""),
			task("zrzy", "规划选址及用地意见", "ZRZY", "case_handler", "用地审批科", 6, true, "出具规划选址和用地预审意见。", ""),
			task("sthj", "环境影响意见", "STHJ", "case_handler", "环评审批股", 6, true, "出具环境影响意见。", ""),
			joinStep("jn"),
			{ID: "decide", Name: "核准决定", Kind: catalogue.KindTask, Post: "主任", Role: "dept_admin", DepartmentCode: "FGW", TimeLimit: 3, Counts: true, Checkpoint: true,
				Duties: "主任办公会研究，作出核准决定。", CounterpartyRights: "不予核准的，书面说明理由，可申请行政复议或提起行政诉讼"},
			endStep()},
		chain("start", "accept", "sp"), fan("sp", "jn", "fgw", "zrzy", "sthj"), chain("jn", "decide", "end"))

	// 6. 对违法建设的行政处罚 — a penalty with discretion bands and a legal review step.
	illegalBuild := base("CF-ZJJ-001", "对违法建设的行政处罚", catalogue.PenaltyCategory, "ZJJ")
	illegalBuild.ResponsibleUnit = "执法监察大队"
	illegalBuild.CounterpartyRights = penalty
	illegalBuild.LegalLimit, illegalBuild.PromisedLimit = 90, 60
	illegalBuild.ExtensionDays = 30
	illegalBuild.LegalBasis = []catalogue.LegalBasis{
		{Law: "《中华人民共和国城乡规划法》", Article: "第六十四条", Text: "未取得建设工程规划许可证或者未按照建设工程规划许可证的规定进行建设的，由县级以上地方人民政府城乡规划主管部门责令停止建设；尚可采取改正措施消除对规划实施的影响的，限期改正，处建设工程造价百分之五以上百分之十以下的罚款……"},
		{Law: "《中华人民共和国行政处罚法》", Article: "第六十条", Text: "行政机关应当自行政处罚案件立案之日起九十日内作出行政处罚决定。"},
	}
	illegalBuild.Conditions = "发现或接到举报的违法建设行为，经初步核实符合立案条件。"
	illegalBuild.Discretion = []catalogue.DiscretionBand{
		{Circumstance: "轻微：主动停止建设，在限期内自行改正，未造成危害后果", Penalty: "责令限期改正，处建设工程造价百分之五的罚款", Basis: "《城乡规划法》第六十四条"},
		{Circumstance: "一般：在限期内改正，造成一定影响", Penalty: "处建设工程造价百分之五以上百分之七以下的罚款", Basis: "《城乡规划法》第六十四条"},
		{Circumstance: "严重：拒不停止建设或逾期不改正", Penalty: "处建设工程造价百分之七以上百分之十以下的罚款", Basis: "《城乡规划法》第六十四条"},
		{Circumstance: "无法采取改正措施消除影响", Penalty: "限期拆除；不能拆除的，没收实物或者违法收入，可以并处建设工程造价百分之十以下的罚款", Basis: "《城乡规划法》第六十四条"},
	}
	illegalBuild.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("file", "立案", "ZJJ", "case_handler", "执法监察大队", 2, true, "核实线索，填写立案审批表。", ""),
			{ID: "investigate", Name: "调查取证", Kind: catalogue.KindTask, Post: "执法人员（两人以上）", Role: "case_handler", DepartmentCode: "ZJJ", TimeLimit: 20, Counts: true, Checkpoint: true,
				Duties: "两名以上执法人员出示证件，现场检查、询问、取证。", CounterpartyRights: "有权要求执法人员出示证件；有权陈述、申辩"},
			{ID: "legal", Name: "法制审核", Kind: catalogue.KindTask, Post: "法制审核员", Role: "legal_reviewer", DepartmentCode: "SFJ", TimeLimit: 5, Counts: true, Checkpoint: true,
				Duties: "审核执法主体、事实证据、法律适用、裁量基准和程序。"},
			task("notify", "告知与听证", "ZJJ", "case_handler", "执法监察大队", 10, false, "送达行政处罚事先告知书；当事人要求听证的，依法组织听证。", "陈述、申辩；符合条件的可要求听证"),
			task("decide", "处罚决定", "ZJJ", "dept_admin", "局长（重大案件集体讨论）", 5, true, "作出行政处罚决定。", ""),
			task("serve", "送达执行", "ZJJ", "case_handler", "执法监察大队", 7, true, "送达处罚决定书，督促履行。", "可在六十日内申请行政复议或六个月内提起行政诉讼"),
			endStep()},
		chain("start", "file", "investigate", "legal", "notify", "decide", "serve", "end"))

	// 7. 商品房预售许可 — submitted, waiting for the legal reviewer.
	presale := base("XK-ZJJ-002", "商品房预售许可", "行政许可", "ZJJ")
	presale.ResponsibleUnit = "房地产市场管理股"
	presale.LegalLimit, presale.PromisedLimit = 10, 7
	presale.LegalBasis = []catalogue.LegalBasis{{Law: "《中华人民共和国城市房地产管理法》", Article: "第四十五条"}, {Law: "《城市商品房预售管理办法》", Article: "第七条"}}
	presale.Conditions = "已交付全部土地使用权出让金，取得土地使用权证书；持有建设工程规划许可证和施工许可证；投入开发建设的资金达到工程建设总投资的百分之二十五以上。"
	presale.Materials = []catalogue.Material{{Name: "商品房预售许可申请表", Required: true, Copies: 1}, {Name: "工程施工进度证明", Required: true, Copies: 1},
		{Name: "商品房预售方案", Required: true, Copies: 1}}
	presale.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZWFW", "window_clerk", "不动产综合窗口", 1, true, "核验材料。", ""),
			splitStep("sp"),
			task("site", "现场查勘", "ZJJ", "case_handler", "房地产市场管理股", 3, true, "查勘工程形象进度。", ""),
			task("plan", "规划核验", "ZRZY", "case_handler", "规划审批科", 2, true, "核验规划许可及总平面。", ""),
			joinStep("jn"),
			task("decide", "许可决定", "ZJJ", "dept_admin", "分管副局长", 2, true, "作出许可决定并公示。", ""),
			endStep()},
		chain("start", "accept", "sp"), fan("sp", "jn", "site", "plan"), chain("jn", "decide", "end"))

	// 8. 不动产首次登记 — a confirmation with fees.
	estate := base("QR-ZRZY-001", "不动产首次登记", "行政确认", "ZRZY")
	estate.ResponsibleUnit = "不动产登记中心"
	estate.LegalLimit, estate.PromisedLimit = 30, 5
	estate.Free = false
	estate.Fees = []catalogue.FeeItem{
		{Item: "住宅类不动产登记费", AmountFen: 8000, Basis: "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）"},
		{Item: "非住宅类不动产登记费", AmountFen: 55000, Basis: "发改价格规〔2016〕2559号"},
	}
	estate.LegalBasis = []catalogue.LegalBasis{{Law: "《不动产登记暂行条例》", Article: "第二十条", Text: "不动产登记机构应当自受理登记申请之日起30个工作日内办结不动产登记手续，法律另有规定的除外。"}}
	estate.Materials = []catalogue.Material{{Name: "不动产登记申请书", Required: true, Copies: 1}, {Name: "申请人身份证明", Required: true, Copies: 1},
		{Name: "不动产权属来源证明材料", Required: true, Copies: 1}, {Name: "不动产权籍调查成果", Required: true, Copies: 1}}
	estate.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZRZY", "window_clerk", "不动产登记窗口", 1, true, "查验身份及材料，收取登记费。", ""),
			task("review", "审核", "ZRZY", "case_handler", "登记审核岗", 2, true, "审核权属来源，必要时实地查看。", ""),
			task("record", "登簿", "ZRZY", "dept_admin", "登簿人", 1, true, "记载于不动产登记簿。", ""),
			task("issue", "缮证发证", "ZRZY", "window_clerk", "发证窗口", 1, true, "缮制并发放不动产权证书。", ""),
			endStep()},
		chain("start", "accept", "review", "record", "issue", "end"))

	// 9. 医疗机构执业登记 — first version published, awaiting filing.
	clinic := base("XK-WJW-001", "医疗机构执业登记", "行政许可", "WJW")
	clinic.ResponsibleUnit = "医政医管股"
	clinic.LegalLimit, clinic.PromisedLimit = 45, 20
	clinic.LegalBasis = []catalogue.LegalBasis{{Law: "《医疗机构管理条例》", Article: "第十五条", Text: "医疗机构执业，必须进行登记，领取《医疗机构执业许可证》。"}}
	clinic.Materials = []catalogue.Material{{Name: "医疗机构执业登记申请书", Required: true, Copies: 1}, {Name: "医疗机构建筑设计平面图", Required: true, Copies: 1},
		{Name: "医务人员资格证书", Required: true, Copies: 1}}
	clinic.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZWFW", "window_clerk", "社会事务窗口", 1, true, "核验材料。", ""),
			task("review", "材料审查", "WJW", "case_handler", "医政医管股", 5, true, "审查设置条件与人员配置。", ""),
			{ID: "site", Name: "现场审查", Kind: catalogue.KindTask, Post: "专家组", Role: "case_handler", DepartmentCode: "WJW", TimeLimit: 10, Counts: true, Checkpoint: true,
				Duties: "组织现场审查，出具审查意见。"},
			task("decide", "登记决定", "WJW", "dept_admin", "分管副主任", 3, true, "作出登记决定。", "不予登记的，可申请行政复议或提起行政诉讼"),
			endStep()},
		chain("start", "accept", "review", "site", "decide", "end"))

	// 10. 建设项目环境影响报告书（表）审批.
	eia := base("XK-STHJ-002", "建设项目环境影响报告书（表）审批", "行政许可", "STHJ")
	eia.ResponsibleUnit = "环评与排污许可股"
	eia.LegalLimit, eia.PromisedLimit, eia.GreenLimit = 60, 30, green(15)
	eia.LegalBasis = []catalogue.LegalBasis{{Law: "《中华人民共和国环境影响评价法》", Article: "第二十二条",
		Text: "审批部门应当自收到环境影响报告书之日起六十日内，收到环境影响报告表之日起三十日内，分别作出审批决定并书面通知建设单位。"}}
	eia.Materials = []catalogue.Material{{Name: "建设项目环境影响报告书（表）", Required: true, Copies: 2}, {Name: "公众参与说明", Required: false, Copies: 1, Note: "报告书项目提交"}}
	eia.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理", "ZWFW", "window_clerk", "综合受理窗口", 1, true, "核验材料并公开受理信息。", ""),
			splitStep("sp"),
			task("expert", "技术评估", "STHJ", "case_handler", "评估中心", 15, false, "组织专家技术评估（专家评审时间不计入审批时限）。", ""),
			task("publicity", "受理公示", "STHJ", "case_handler", "信息公开岗", 10, true, "网上公示受理情况。", "公众可提出意见"),
			joinStep("jn"),
			task("decide", "审批决定", "STHJ", "dept_admin", "分局局长", 5, true, "作出审批决定并公开。", ""),
			endStep()},
		chain("start", "accept", "sp"), fan("sp", "jn", "expert", "publicity"), chain("jn", "decide", "end"))

	// 11. 对食品生产经营者的监督检查 — returned by the legal reviewer.
	inspection := base("JC-SCJG-001", "对食品生产经营者的监督检查", "行政检查", "SCJG")
	inspection.ResponsibleUnit = "食品安全监管科"
	inspection.LegalLimit, inspection.PromisedLimit = 15, 10
	inspection.LegalBasis = []catalogue.LegalBasis{{Law: "《中华人民共和国食品安全法》", Article: "第一百一十条"}}
	inspection.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("plan", "制定检查计划", "SCJG", "case_handler", "食品安全监管科", 2, true, "按“双随机、一公开”抽取检查对象和执法人员。", ""),
			{ID: "inspect", Name: "现场检查", Kind: catalogue.KindTask, Post: "执法人员（两人以上）", Role: "case_handler", DepartmentCode: "SCJG", TimeLimit: 5, Counts: true, Checkpoint: true,
				Duties: "现场检查并制作检查记录。", CounterpartyRights: "可要求执法人员出示证件；对检查结果有异议的可提出"},
			task("result", "结果处理与公开", "SCJG", "dept_admin", "科长", 3, true, "公开检查结果，发现违法行为的依法立案。", ""),
			endStep()},
		chain("start", "plan", "inspect", "result", "end"))

	// 12. 最低生活保障金给付.
	dibao := base("JF-MZJ-001", "最低生活保障金给付", "行政给付", "MZJ")
	dibao.ResponsibleUnit = "社会救助股"
	dibao.LegalLimit, dibao.PromisedLimit = 30, 20
	dibao.LegalBasis = []catalogue.LegalBasis{{Law: "《社会救助暂行办法》", Article: "第十一条"}}
	dibao.Materials = []catalogue.Material{{Name: "最低生活保障申请书", Required: true, Copies: 1}, {Name: "家庭成员身份证明", Required: true, Copies: 1},
		{Name: "家庭经济状况核对授权书", Required: true, Copies: 1}}
	dibao.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "乡镇受理", "MZJ", "window_clerk", "乡镇（街道）社会救助窗口", 3, true, "受理申请，入户调查。", ""),
			splitStep("sp"),
			task("survey", "入户调查与民主评议", "MZJ", "case_handler", "乡镇（街道）", 7, true, "入户调查、民主评议并公示。", "对评议结果有异议的可提出"),
			task("verify", "家庭经济状况核对", "MZJ", "case_handler", "核对中心", 5, true, "信息系统核对收入和财产。", ""),
			joinStep("jn"),
			{ID: "decide", Name: "审批", Kind: catalogue.KindTask, Post: "股长", Role: "dept_admin", DepartmentCode: "MZJ", TimeLimit: 5, Counts: true, Checkpoint: true,
				Duties: "审批并公示。", CounterpartyRights: "不予批准的书面说明理由"},
			endStep()},
		chain("start", "accept", "sp"), fan("sp", "jn", "survey", "verify"), chain("jn", "decide", "end"))

	// 13. 个体工商户登记 — an instant item (即办件).
	selfEmployed := base("QR-SCJG-002", "个体工商户登记", "行政确认", "SCJG")
	selfEmployed.ResponsibleUnit = "登记注册科"
	selfEmployed.HandlingType, selfEmployed.LegalLimit, selfEmployed.PromisedLimit = catalogue.HandlingInstant, 3, 0
	selfEmployed.ExtensionDays = 0
	selfEmployed.LegalBasis = []catalogue.LegalBasis{{Law: "《中华人民共和国市场主体登记管理条例》", Article: "第十九条",
		Text: "登记机关对申请材料进行形式审查。对申请材料齐全、符合法定形式的予以确认并当场登记。"}}
	selfEmployed.Materials = []catalogue.Material{{Name: "个体工商户登记申请书", Required: true, Copies: 1}, {Name: "经营者身份证明", Required: true, Copies: 1}}
	selfEmployed.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("accept", "受理审核", "ZWFW", "window_clerk", "市场准入窗口", 0, true, "形式审查，当场登记。", ""),
			task("issue", "发照", "ZWFW", "window_clerk", "市场准入窗口", 0, true, "当场发放营业执照。", ""),
			endStep()},
		chain("start", "accept", "issue", "end"))

	// 14. 重大项目专项资金分配 — an internal decision item, still a draft.
	funds := base("ZJ-CZJ-001", "重大项目专项资金分配", "资金分配", "CZJ")
	funds.ResponsibleUnit = "经济建设股"
	funds.LegalLimit, funds.PromisedLimit = 30, 20
	funds.CounterpartyRights = []string{"知情权", "申请信息公开", "投诉举报"}
	funds.LegalBasis = []catalogue.LegalBasis{{Law: "《中华人民共和国预算法》", Article: "第五十二条"}}
	funds.Flowchart = flow(
		[]catalogue.Step{startStep(),
			task("propose", "提出分配方案", "CZJ", "case_handler", "经济建设股", 5, true, "会同主管部门提出分配方案。", ""),
			{ID: "legal", Name: "合法性审查", Kind: catalogue.KindTask, Post: "法制审核员", Role: "legal_reviewer", DepartmentCode: "SFJ", TimeLimit: 5, Counts: true, Checkpoint: true,
				Duties: "审查分配依据与程序。"},
			task("decide", "集体决策", "CZJ", "dept_admin", "局党组会议", 5, true, "集体研究决定并公示。", ""),
			endStep()},
		chain("start", "propose", "legal", "decide", "end"))

	items := []catalogue.SeedItem{
		{Content: planning, Target: catalogue.StatusFiled},
		{Content: construction, Target: catalogue.StatusFiled},
		{Content: food, Target: catalogue.StatusFiled, Revision: &foodRev, RevisionTarget: catalogue.StatusPublished},
		{Content: pollution, Target: catalogue.StatusFiled},
		{Content: investment, Target: catalogue.StatusFiled},
		{Content: illegalBuild, Target: catalogue.StatusFiled},
		{Content: presale, Target: catalogue.StatusSubmitted},
		{Content: estate, Target: catalogue.StatusFiled},
		{Content: clinic, Target: catalogue.StatusPublished, PublishedAgo: overdue},
		{Content: eia, Target: catalogue.StatusFiled},
		{Content: inspection, Target: catalogue.StatusReturned},
		{Content: dibao, Target: catalogue.StatusFiled},
		{Content: selfEmployed, Target: catalogue.StatusFiled},
		{Content: funds, Target: catalogue.StatusDraft},
	}
	return items, byID, nil
}

func startStep() catalogue.Step {
	return catalogue.Step{ID: "start", Name: "开始", Kind: catalogue.KindStart}
}
func endStep() catalogue.Step {
	return catalogue.Step{ID: "end", Name: "办结", Kind: catalogue.KindEnd}
}
func splitStep(id string) catalogue.Step {
	return catalogue.Step{ID: id, Name: "并联审查", Kind: catalogue.KindSplit}
}
func joinStep(id string) catalogue.Step {
	return catalogue.Step{ID: id, Name: "汇总意见", Kind: catalogue.KindJoin}
}

func task(id, name, dept, role, post string, days int, counts bool, duties, rights string) catalogue.Step {
	return catalogue.Step{ID: id, Name: name, Kind: catalogue.KindTask, Post: post, Role: role, DepartmentCode: dept,
		TimeLimit: days, Counts: counts, Duties: duties, CounterpartyRights: rights}
}

func chain(ids ...string) []catalogue.Edge {
	var out []catalogue.Edge
	for i := 0; i+1 < len(ids); i++ {
		out = append(out, catalogue.Edge{From: ids[i], To: ids[i+1]})
	}
	return out
}

func fan(split, join string, branches ...string) []catalogue.Edge {
	var out []catalogue.Edge
	for _, b := range branches {
		out = append(out, catalogue.Edge{From: split, To: b})
	}
	for _, b := range branches {
		out = append(out, catalogue.Edge{From: b, To: join})
	}
	return out
}

func flow(steps []catalogue.Step, edges ...[]catalogue.Edge) catalogue.Flowchart {
	f := catalogue.Flowchart{Steps: steps}
	for _, e := range edges {
		f.Edges = append(f.Edges, e...)
	}
	return f
}
