package appraisal

// The built-in indicator definitions: what the platform already records, read
// through the read ports of the capabilities that record it (migration 00020). Each is
// one set-based statement for every subject of a run, and one that lists the objects
// it counted for a subject. See docs/adr/0009-appraisal-indicator-registry.md.

// Shared WHERE fragments.
const (
	inScope     = `tenant_id = ANY (CAST(@tenants AS uuid[]))`
	forSubject  = `tenant_id = CAST(@tenant AS uuid) AND (CAST(@department AS uuid) IS NULL OR department_id = CAST(@department AS uuid))`
	decidedIn   = `decided_at >= @from AND decided_at < @upto`
	shanghaiDay = `(decided_at AT TIME ZONE 'Asia/Shanghai')::date`
)

// cardRules are the supervision rules whose cards an indicator may leave out (they
// have indicators of their own: deemed acceptance, fee mismatches, …).
var cardRules = []string{"case_reminder", "case_overdue", "case_red", "step_overrun", "deemed_acceptance",
	"fee_mismatch", "filing_overdue", "notice_unanswered"}

func registerBuiltins(r *Registry) {
	r.Register(Definition{
		Code: "case.on_time", Source: "casework", Measure: MeasureRate, Revision: 1,
		Name:        Label{"按时办结率", "On-time completion rate"},
		Description: Label{"期内作出决定的办件中，在承诺时限内办结的比例", "Of the cases decided in the period, the share decided within their promised time limit"},
		Compute: `SELECT tenant_id, department_id,
				count(*) FILTER (WHERE due_at IS NULL OR decided_at <= due_at) AS numerator,
				count(*) AS denominator,
				count(*) FILTER (WHERE due_at IS NULL OR decided_at <= due_at) AS item_count,
				jsonb_build_object('late', count(*) FILTER (WHERE decided_at > due_at)) AS raw
			FROM casework_case_facts WHERE ` + inScope + ` AND ` + decidedIn + `
			GROUP BY tenant_id, department_id`,
		Items: `SELECT 'case' AS object_type, id AS object_id, tenant_id, department_id,
				CASE WHEN due_at IS NULL OR decided_at <= due_at THEN 'counted' ELSE 'not_counted' END AS role,
				decided_at AS at, tracking_no || ' ' || power_name AS label,
				jsonb_build_object('tracking_no', tracking_no, 'due_at', due_at, 'decided_at', decided_at) AS detail
			FROM casework_case_facts WHERE ` + forSubject + ` AND ` + decidedIn,
	})
	r.Register(Definition{
		Code: "case.early", Source: "casework", Measure: MeasureRate, Revision: 1,
		Name:        Label{"提前办结率", "Early-completion rate"},
		Description: Label{"期内作出决定的办件中，早于承诺办结日办结的比例", "Of the cases decided in the period, the share decided before the day their limit ends"},
		Compute: `SELECT tenant_id, department_id,
				count(*) FILTER (WHERE ` + shanghaiDay + ` < due_date) AS numerator,
				count(*) AS denominator,
				count(*) FILTER (WHERE ` + shanghaiDay + ` < due_date) AS item_count,
				NULL::jsonb AS raw
			FROM casework_case_facts WHERE ` + inScope + ` AND ` + decidedIn + `
			GROUP BY tenant_id, department_id`,
		Items: `SELECT 'case' AS object_type, id AS object_id, tenant_id, department_id,
				CASE WHEN ` + shanghaiDay + ` < due_date THEN 'counted' ELSE 'not_counted' END AS role,
				decided_at AS at, tracking_no || ' ' || power_name AS label,
				jsonb_build_object('tracking_no', tracking_no, 'due_date', due_date, 'decided_at', decided_at) AS detail
			FROM casework_case_facts WHERE ` + forSubject + ` AND ` + decidedIn,
	})
	r.Register(Definition{
		Code: "case.speedup", Source: "casework", Measure: MeasureRate, Revision: 1,
		Name:        Label{"提速率", "Speed-up rate"},
		Description: Label{"期内办结办件的承诺时限比法定时限缩短的工作日之和占法定时限之和的比例", "For the cases decided in the period: working days promised below the legal limit, as a share of the legal limits"},
		Compute: `SELECT c.tenant_id, c.department_id,
				sum(greatest(v.legal_limit - c.limit_days, 0)) AS numerator,
				sum(v.legal_limit) AS denominator,
				count(*) AS item_count,
				NULL::jsonb AS raw
			FROM casework_case_facts c
			JOIN catalogue_version_facts v ON v.id = c.version_id AND v.tenant_id = c.tenant_id
			WHERE c.tenant_id = ANY (CAST(@tenants AS uuid[])) AND c.decided_at >= @from AND c.decided_at < @upto AND v.legal_limit > 0
			GROUP BY c.tenant_id, c.department_id`,
		Items: `SELECT 'case' AS object_type, c.id AS object_id, c.tenant_id, c.department_id,
				CASE WHEN v.legal_limit > c.limit_days THEN 'counted' ELSE 'not_counted' END AS role,
				c.decided_at AS at, c.tracking_no || ' ' || c.power_name AS label,
				jsonb_build_object('tracking_no', c.tracking_no, 'legal_limit', v.legal_limit, 'limit_days', c.limit_days) AS detail
			FROM casework_case_facts c
			JOIN catalogue_version_facts v ON v.id = c.version_id AND v.tenant_id = c.tenant_id
			WHERE c.tenant_id = CAST(@tenant AS uuid) AND (CAST(@department AS uuid) IS NULL OR c.department_id = CAST(@department AS uuid))
				AND c.decided_at >= @from AND c.decided_at < @upto AND v.legal_limit > 0`,
	})
	r.Register(Definition{
		Code: "case.online", Source: "casework", Measure: MeasureRate, Revision: 1,
		Name:        Label{"网上办理率", "Online handling rate"},
		Description: Label{"期内收到的申请中，通过网上提交的比例", "Of the applications received in the period, the share submitted online"},
		Compute: `SELECT tenant_id, department_id,
				count(*) FILTER (WHERE channel = 'online') AS numerator,
				count(*) AS denominator,
				count(*) FILTER (WHERE channel = 'online') AS item_count,
				NULL::jsonb AS raw
			FROM casework_case_facts WHERE ` + inScope + ` AND received_at >= @from AND received_at < @upto
			GROUP BY tenant_id, department_id`,
		Items: `SELECT 'case' AS object_type, id AS object_id, tenant_id, department_id,
				CASE WHEN channel = 'online' THEN 'counted' ELSE 'not_counted' END AS role,
				received_at AS at, tracking_no || ' ' || power_name AS label,
				jsonb_build_object('tracking_no', tracking_no, 'channel', channel) AS detail
			FROM casework_case_facts WHERE ` + forSubject + ` AND received_at >= @from AND received_at < @upto`,
	})
	r.Register(Definition{
		Code: "case.step_overrun", Source: "casework", Measure: MeasureCount, Revision: 1,
		Name:        Label{"环节超时", "Step overruns"},
		Description: Label{"期内到期的办理环节中超过本环节时限的个数（办件总时限未到亦计）", "Steps due in the period that overran their own limit (even when the case as a whole was in time)"},
		Compute: `SELECT tenant_id, department_id,
				count(*) FILTER (WHERE completed_at IS NULL OR completed_at > due_at) AS numerator,
				count(*) AS denominator,
				count(*) FILTER (WHERE completed_at IS NULL OR completed_at > due_at) AS item_count,
				NULL::jsonb AS raw
			FROM casework_step_facts WHERE ` + inScope + ` AND kind = 'task' AND due_at >= @from AND due_at < @upto
			GROUP BY tenant_id, department_id`,
		Items: `SELECT 'step' AS object_type, id AS object_id, tenant_id, department_id,
				CASE WHEN completed_at IS NULL OR completed_at > due_at THEN 'counted' ELSE 'not_counted' END AS role,
				due_at AS at, name AS label,
				jsonb_build_object('case_id', case_id, 'due_at', due_at, 'completed_at', completed_at) AS detail
			FROM casework_step_facts WHERE ` + forSubject + ` AND kind = 'task' AND due_at >= @from AND due_at < @upto`,
	})
	for _, lvl := range []struct {
		level string
		name  Label
	}{
		{"reminder", Label{"提醒", "Reminders"}},
		{"yellow", Label{"黄牌", "Yellow cards"}},
		{"red", Label{"红牌", "Red cards"}},
	} {
		// A card counts unless, by the run's as-of instant, its appeal was upheld or a
		// supervisor cancelled it.
		excluded := `(status = 'cancelled' AND coalesce(cancelled_at, decided_at) <= @as_of)`
		r.Register(Definition{
			Code: "card." + lvl.level, Source: "supervision", Measure: MeasureCount, Revision: 1,
			Name:        Label{lvl.name.Zh + "数", lvl.name.En},
			Description: Label{"期内发出的" + lvl.name.Zh + "张数（申诉成立或已撤销的不计）", lvl.name.En + " issued in the period (upheld appeals and cancelled cards excluded)"},
			Params:      []ParamSpec{{Name: "exclude_rules", Allowed: cardRules, Label: Label{"不计入的规则", "Rules not counted"}}},
			Compute: `SELECT tenant_id, department_id,
					count(*) FILTER (WHERE NOT ` + excluded + `) AS numerator,
					count(*) AS denominator,
					count(*) FILTER (WHERE NOT ` + excluded + `) AS item_count,
					jsonb_build_object(
						'upheld_appeals', count(*) FILTER (WHERE decision = 'accepted' AND decided_at <= @as_of),
						'cancelled', count(*) FILTER (WHERE ` + excluded + ` AND NOT (decision = 'accepted' AND decided_at <= @as_of)),
						'appeals_pending', count(*) FILTER (WHERE status = 'appealed')) AS raw
				FROM supervision_card_facts
				WHERE ` + inScope + ` AND level = '` + lvl.level + `' AND created_at >= @from AND created_at < @upto
					AND NOT (rule = ANY (CAST(@exclude_rules AS text[])))
				GROUP BY tenant_id, department_id`,
			Items: `SELECT 'card' AS object_type, id AS object_id, tenant_id, department_id,
					CASE WHEN ` + excluded + ` THEN 'excluded' ELSE 'counted' END AS role,
					created_at AS at, title AS label,
					jsonb_build_object('rule', rule, 'case_id', case_id, 'status', status, 'decision', decision) AS detail
				FROM supervision_card_facts
				WHERE ` + forSubject + ` AND level = '` + lvl.level + `' AND created_at >= @from AND created_at < @upto
					AND NOT (rule = ANY (CAST(@exclude_rules AS text[])))`,
		})
	}
	r.Register(Definition{
		Code: "notice.on_time", Source: "supervision", Measure: MeasureRate, Revision: 1,
		Name:        Label{"督办按时回复率", "Supervision notices answered on time"},
		Description: Label{"期内到期的督办单中按时回复的比例", "Of the supervision notices due in the period, the share answered by their deadline"},
		Compute: `SELECT tenant_id, department_id,
				count(*) FILTER (WHERE replied_at IS NOT NULL AND replied_at <= reply_due_at) AS numerator,
				count(*) AS denominator,
				count(*) FILTER (WHERE replied_at IS NOT NULL AND replied_at <= reply_due_at) AS item_count,
				NULL::jsonb AS raw
			FROM supervision_notice_facts WHERE ` + inScope + ` AND reply_due_at >= @from AND reply_due_at < @upto
			GROUP BY tenant_id, department_id`,
		Items: `SELECT 'notice' AS object_type, id AS object_id, tenant_id, department_id,
				CASE WHEN replied_at IS NOT NULL AND replied_at <= reply_due_at THEN 'counted' ELSE 'not_counted' END AS role,
				reply_due_at AS at, '督办单' AS label,
				jsonb_build_object('case_id', case_id, 'card_id', card_id, 'reply_due_at', reply_due_at, 'replied_at', replied_at) AS detail
			FROM supervision_notice_facts WHERE ` + forSubject + ` AND reply_due_at >= @from AND reply_due_at < @upto`,
	})
	r.Register(Definition{
		Code: "filing.on_time", Source: "catalogue", Measure: MeasureRate, Revision: 1,
		Name:        Label{"目录按时备案率", "Catalogue items filed on time"},
		Description: Label{"期内备案到期的已公布事项中，在公布后规定工作日内报市备案的比例", "Of the published item versions whose filing fell due in the period, the share filed with the city within the filing working days"},
		Compute: `SELECT tenant_id, department_id,
				count(*) FILTER (WHERE filed_at IS NOT NULL AND filed_at <= due_at) AS numerator,
				count(*) AS denominator,
				count(*) FILTER (WHERE filed_at IS NOT NULL AND filed_at <= due_at) AS item_count,
				NULL::jsonb AS raw
			FROM catalogue_filing_facts WHERE ` + inScope + ` AND due_at >= @from AND due_at < @upto
			GROUP BY tenant_id, department_id`,
		Items: `SELECT 'filing' AS object_type, id AS object_id, tenant_id, department_id,
				CASE WHEN filed_at IS NOT NULL AND filed_at <= due_at THEN 'counted' ELSE 'not_counted' END AS role,
				due_at AS at, code || ' ' || name AS label,
				jsonb_build_object('power_id', power_id, 'version', version_number, 'published_at', published_at, 'due_at', due_at, 'filed_at', filed_at) AS detail
			FROM catalogue_filing_facts WHERE ` + forSubject + ` AND due_at >= @from AND due_at < @upto`,
	})
	r.Register(Definition{
		Code: "case.deemed", Source: "casework", Measure: MeasureCount, Revision: 1,
		Name:        Label{"视为受理", "Deemed acceptances"},
		Description: Label{"期内收到、因未在 5 个工作日内作出受理决定而依法视为受理的申请", "Applications received in the period that were deemed accepted because no decision came within 5 working days"},
		Compute: `SELECT tenant_id, department_id, count(*) AS numerator, count(*) AS denominator, count(*) AS item_count, NULL::jsonb AS raw
			FROM casework_case_facts WHERE ` + inScope + ` AND deemed_accepted AND received_at >= @from AND received_at < @upto
			GROUP BY tenant_id, department_id`,
		Items: `SELECT 'case' AS object_type, id AS object_id, tenant_id, department_id, 'counted' AS role,
				received_at AS at, tracking_no || ' ' || power_name AS label,
				jsonb_build_object('tracking_no', tracking_no, 'received_at', received_at) AS detail
			FROM casework_case_facts WHERE ` + forSubject + ` AND deemed_accepted AND received_at >= @from AND received_at < @upto`,
	})
	r.Register(Definition{
		Code: "case.fee_mismatch", Source: "casework", Measure: MeasureCount, Revision: 1,
		Name:        Label{"收费不符", "Fee mismatches"},
		Description: Label{"期内收取了与收费标准不符费用的办件数", "Cases charged, in the period, a fee that does not match the schedule"},
		Compute: `SELECT c.tenant_id, c.department_id, count(DISTINCT c.id) AS numerator, count(DISTINCT c.id) AS denominator,
				count(DISTINCT c.id) AS item_count, jsonb_build_object('fee_lines', count(*)) AS raw
			FROM casework_fee_facts f JOIN casework_case_facts c ON c.id = f.case_id AND c.tenant_id = f.tenant_id
			WHERE f.tenant_id = ANY (CAST(@tenants AS uuid[])) AND f.mismatch AND f.created_at >= @from AND f.created_at < @upto
			GROUP BY c.tenant_id, c.department_id`,
		Items: `SELECT DISTINCT ON (c.id) 'case' AS object_type, c.id AS object_id, c.tenant_id, c.department_id, 'counted' AS role,
				f.created_at AS at, c.tracking_no || ' ' || c.power_name AS label,
				jsonb_build_object('tracking_no', c.tracking_no, 'item', f.item, 'amount_fen', f.amount_fen, 'expected_fen', f.expected_fen) AS detail
			FROM casework_fee_facts f JOIN casework_case_facts c ON c.id = f.case_id AND c.tenant_id = f.tenant_id
			WHERE c.tenant_id = CAST(@tenant AS uuid) AND (CAST(@department AS uuid) IS NULL OR c.department_id = CAST(@department AS uuid))
				AND f.mismatch AND f.created_at >= @from AND f.created_at < @upto`,
	})

	// Manual indicators: the leading group's office enters the facts; the indicators
	// read them like any others.
	r.Register(Definition{
		Code: "manual.file_review", Source: "appraisal", Measure: MeasureAverage, Manual: true, Revision: 1,
		Name:        Label{"案卷评查", "Case file quality review"},
		Description: Label{"期内抽查评分的办结案卷按评查表得分的平均分（百分制）", "The average checklist score (out of 100) of the closed case files sampled and reviewed in the period"},
		Compute: `SELECT subject_tenant_id AS tenant_id, subject_department_id AS department_id,
				sum(score_cents)::bigint AS numerator, (count(*) * 10000)::bigint AS denominator, count(*) AS item_count, NULL::jsonb AS raw
			FROM appraisal_reviews
			WHERE subject_tenant_id = ANY (CAST(@tenants AS uuid[])) AND status = 'scored' AND scored_at <= @as_of
				AND occurred_on >= CAST(@from_date AS date) AND occurred_on < CAST(@to_date AS date)
			GROUP BY subject_tenant_id, subject_department_id`,
		Items: `SELECT 'review' AS object_type, id AS object_id, subject_tenant_id AS tenant_id, subject_department_id AS department_id,
				'counted' AS role, scored_at AS at, tracking_no || ' ' || power_name AS label,
				jsonb_build_object('case_id', case_id, 'score', score_cents, 'reviewer', reviewer_name) AS detail
			FROM appraisal_reviews
			WHERE subject_tenant_id = CAST(@tenant AS uuid) AND (CAST(@department AS uuid) IS NULL OR subject_department_id = CAST(@department AS uuid))
				AND status = 'scored' AND scored_at <= @as_of AND occurred_on >= CAST(@from_date AS date) AND occurred_on < CAST(@to_date AS date)`,
	})
	r.Register(Definition{
		Code: "manual.inspection", Source: "appraisal", Measure: MeasureAverage, Manual: true, Revision: 1,
		Name:        Label{"实地检查", "On-site inspection"},
		Description: Label{"期内实地检查得分的平均分（百分制）", "The average score (out of 100) of the on-site inspections in the period"},
		Compute: `SELECT subject_tenant_id AS tenant_id, subject_department_id AS department_id,
				sum(score_cents)::bigint AS numerator, (count(*) * 10000)::bigint AS denominator, count(*) AS item_count, NULL::jsonb AS raw
			FROM appraisal_inspections
			WHERE subject_tenant_id = ANY (CAST(@tenants AS uuid[])) AND created_at <= @as_of
				AND occurred_on >= CAST(@from_date AS date) AND occurred_on < CAST(@to_date AS date)
			GROUP BY subject_tenant_id, subject_department_id`,
		Items: `SELECT 'inspection' AS object_type, id AS object_id, subject_tenant_id AS tenant_id, subject_department_id AS department_id,
				'counted' AS role, (occurred_on::timestamp AT TIME ZONE 'Asia/Shanghai') AS at, title AS label,
				jsonb_build_object('score', score_cents, 'occurred_on', occurred_on) AS detail
			FROM appraisal_inspections
			WHERE subject_tenant_id = CAST(@tenant AS uuid) AND (CAST(@department AS uuid) IS NULL OR subject_department_id = CAST(@department AS uuid))
				AND created_at <= @as_of AND occurred_on >= CAST(@from_date AS date) AND occurred_on < CAST(@to_date AS date)`,
	})
	revoked := `(status = 'revoked' AND revoked_at <= @as_of)`
	r.Register(Definition{
		Code: "manual.fault", Source: "appraisal", Measure: MeasureCount, Manual: true, Revision: 1,
		Name:        Label{"过错责任追究", "Fault accountability records"},
		Description: Label{"期内发生、记录在案的过错责任追究（已撤销的不计）", "Fault accountability records for the period (revoked ones excluded)"},
		Compute: `SELECT subject_tenant_id AS tenant_id, subject_department_id AS department_id,
				count(*) FILTER (WHERE NOT ` + revoked + `) AS numerator, count(*) AS denominator,
				count(*) FILTER (WHERE NOT ` + revoked + `) AS item_count, jsonb_build_object('revoked', count(*) FILTER (WHERE ` + revoked + `)) AS raw
			FROM appraisal_faults
			WHERE subject_tenant_id = ANY (CAST(@tenants AS uuid[])) AND created_at <= @as_of
				AND occurred_on >= CAST(@from_date AS date) AND occurred_on < CAST(@to_date AS date)
			GROUP BY subject_tenant_id, subject_department_id`,
		Items: `SELECT 'fault' AS object_type, id AS object_id, subject_tenant_id AS tenant_id, subject_department_id AS department_id,
				CASE WHEN ` + revoked + ` THEN 'excluded' ELSE 'counted' END AS role,
				(occurred_on::timestamp AT TIME ZONE 'Asia/Shanghai') AS at, description AS label,
				jsonb_build_object('person', person, 'case_id', case_id, 'card_id', card_id, 'status', status) AS detail
			FROM appraisal_faults
			WHERE subject_tenant_id = CAST(@tenant AS uuid) AND (CAST(@department AS uuid) IS NULL OR subject_department_id = CAST(@department AS uuid))
				AND created_at <= @as_of AND occurred_on >= CAST(@from_date AS date) AND occurred_on < CAST(@to_date AS date)`,
	})
}
