"""Checks whose findings are what a reader recorded while reading past something.

A reader calls ``LoadedUnit.observe(CODE, sheet=, row=, column=, indicator=, **fields)``
(perfnb/reading/assemble.py); each such row of ``UnitTables.observations`` becomes one finding
of the check with that code, at the row's location, its message filled from ``fields``.
Declaring one is a call to :func:`observation_check`: code, severity, title, explanation,
the fields the reader records, and the message.
"""
from __future__ import annotations

from perfnb.evaluation.checks.basis import BASIS_10, FORM_10
from perfnb.evaluation.checks.registry import ERROR, INFO, WARNING, observation_check

SKIPPED_ROW = observation_check(
    code="SKIPPED_ROW", severity=INFO,
    title="非指标行已跳过", summary="指标表中不是指标的行没有读入",
    what="读取指标表时，跳过了不是三级指标的行：模板的占位行（如“指标1”“……”）、"
         "只有一级/二级指标标签或只有指标名称而没有指标值、完成值、分值和得分的行、"
         "不单独计分的“其中”分项等。记录的是该行的原文和跳过的原因。",
    why="这些行不参与评分。列出它们，便于确认没有把真正的指标当作空行跳过。",
    example="第 18 行“数量指标 | 指标2”是模板占位行，未作为指标读入。",
    basis=f"{FORM_10}的指标栏结构（一级、二级、三级指标）。",
    fields=("text", "reason"),
    message="“{text}”未作为指标读入（{reason}），不参与评分。若它是指标，请补全指标值、实际完成值、"
            "分值和得分。")

UNKNOWN_COLUMN = observation_check(
    code="UNKNOWN_COLUMN", severity=INFO,
    title="未识别的表头", summary="表头中有一列无法识别，其内容没有读入",
    what="读取表格时遇到一个无法对应到已知栏目（指标名称、年度指标值、实际完成值、分值、得分、"
         "偏差原因等及其同义写法）的表头，这一列的内容没有读入；或一列的内容不是表头所说的"
         "（如“分值”列写的是文字说明），改从别的列读取。",
    why="如果这一列其实是某个必填栏目的别称，它的数据就会被漏掉，影响评分；请核对表头写法。",
    example="表头“备注（补充）”无法识别，第 H 列的内容未读取。",
    basis=f"{FORM_10}的栏目名称及各地表式的常见同义写法。",
    fields=("header", "note"),
    message="表头“{header}”未能按标准栏目读取：{note}。请核对该列；若它是指标表的栏目，请改用标准栏目名称。")

ACTUAL_AS_TARGET = observation_check(
    code="ACTUAL_AS_TARGET", severity=WARNING,
    title="实际完成值写成了指标值的形式", summary="实际完成值带有“≥”“≤”等符号，已按其中的数字读取",
    what="实际完成值写成了指标值的形式，带有比较符号（如“≥266米”），已按其中的数字读取。",
    why="实际完成值应是实际达到的数，而不是目标；带符号的写法无法说明实际完成了多少，"
        "读取的数字可能只是目标本身。",
    example="“新建道路长度”实际完成值填“≥266米”，按 266 读取。",
    basis=f"{BASIS_10}：实际完成值填写指标的实际完成数。",
    fields=("text", "number"),
    message="实际完成值“{text}”写成了指标值的形式，已按 {number} 读取。请填写实际完成的具体数值。")

UNKNOWN_KIND = observation_check(
    code="UNKNOWN_KIND", severity=WARNING,
    title="指标性质无法识别", summary="“指标性质”一栏写的不是定量、定性或比较符号，已按指标值判断",
    what="“指标性质”（或指标类型）一栏的文字既不是定量/定性，也不是 =、≥、≤ 等比较符号"
         "（如错字、乱码），该栏未采用；指标按年度指标值本身判断是定量还是定性并计分。",
    why="指标性质只是标注，计分看指标值；但标注无法识别，可能是填写或转换出错，请核对。",
    example="“管理制度健全性”指标性质写“性标定指”，无法识别，已按指标值“高”作定性指标评定。",
    basis=f"{BASIS_10}中定量、定性指标的区分。",
    fields=("text",),
    message="指标性质“{text}”无法识别，未采用，已按指标值判断定量或定性。"
            "请填写 定量 或 定性（四川表式可填 =、≥、≤、定性）。")

APPROXIMATE_VALUE = observation_check(
    code="APPROXIMATE_VALUE", severity=WARNING,
    title="指标值或完成值是约数", summary="数值带“约”“左右”等字样，已按其中的数字计分",
    what="年度指标值或实际完成值写成约数（“约95%”“95%左右”“≈95%”），已按其中的数字读取并计分；"
         "指标值按指标方向（正向 ≥、成本等反向 ≤）比较。",
    why="约数无法准确判断是否达成：实际完成 94.8% 对“约95%”算不算完成，各人理解不同。"
        "绩效目标应当清晰、可衡量。",
    example="“监测数据有效率”指标值填“约95%”，按 95% 计分（≥95%）。",
    basis=f"{BASIS_10}：绩效指标应细化、量化，可衡量。",
    fields=("text", "word", "number"),
    message="“{text}”带“{word}”，是约数，已按 {number} 计分。请填写确切的数值。")

RANGE_TARGET = observation_check(
    code="RANGE_TARGET", severity=INFO,
    title="指标值是一个区间", summary="年度指标值写成区间（如“3-5次”），按区间的一端计分",
    what="年度指标值写成区间（“3-5次”“90%~95%”“10至15天”）：正向指标按下限计分"
         "（达到下限即达成），反向指标（成本、时限、控制率等）按上限计分（不超过上限即达成）。",
    why="区间目标的另一端不参与计分；若超出区间另一端也有意义（如不得多于 5 次），"
        "请改用两个指标或明确的比较符号。",
    example="“巡查次数”指标值填“3-5次”，按 ≥3 次计分。",
    basis=f"{BASIS_10}：绩效指标应细化、量化，可衡量。",
    fields=("text", "bound"),
    message="年度指标值“{text}”是一个区间，已按 {bound} 计分。如区间的另一端也须考核，"
            "请改用明确的比较符号（如“≥3次”“≤5次”分列两个指标）。")

UNIT_CONVERTED = observation_check(
    code="UNIT_CONVERTED", severity=INFO,
    title="数值已换算单位", summary="实际完成值与指标值单位不同（元与万元、小数与百分比），已换算后比较",
    what="实际完成值与年度指标值用了同一量的不同单位（元/万元/亿元、米/公里、人/万人），"
         "或百分比写成了小数（指标值 ≥95%，完成值 0.96），已换算到指标值的单位后计分。",
    why="不换算就会把 1200000 元当作 1200000 万元、把 0.96 当作 0.96%，完成情况和得分都会错。"
        "请核对换算是否符合原意，并统一单位填写。",
    example="“补助资金”指标值 ≥100 万元，实际完成值填“1200000元”，按 120 万元计分。",
    basis=f"{BASIS_10}：实际完成值与指标值的计量单位应一致。",
    fields=("text", "number", "column", "other"),
    message="{column}“{text}”与{other}的单位不同，已按 {number} 计分。请统一{other}和{column}的计量单位。")

UNIT_MISMATCH = observation_check(
    code="UNIT_MISMATCH", severity=WARNING,
    title="计量单位不一致", summary="指标值与实际完成值的计量单位不同且无法换算",
    what="年度指标值与实际完成值写了不同的计量单位（如“公里”与“个”），无法换算；"
         "计分时按写出的数字直接比较。",
    why="单位不同的数字不能比较：完成情况和得分可能是错的。",
    example="“道路里程”指标值 ≥30 公里，实际完成值填“28个”。",
    basis=f"{BASIS_10}：实际完成值与指标值的计量单位应一致。",
    fields=("target_text", "actual_text", "target_unit", "actual_unit"),
    message="指标值“{target_text}”的单位是“{target_unit}”，实际完成值“{actual_text}”的单位是"
            "“{actual_unit}”，无法换算，已按数字直接比较。请统一计量单位。")

LEVEL1_INFERRED = observation_check(
    code="LEVEL1_INFERRED", severity=INFO,
    title="一级指标由读取推断", summary="指标没有一级指标，已按指标名称归类或归为“未分级指标”",
    what="指标表没有“一级指标”（及“二级指标”）列，只是一列指标名称（如重庆的部门整体绩效自评表），"
         "或某些指标的一级指标为空且没有二级指标可以判断。读取时按指标名称中的词归入一级指标"
         "（“满意度”归满意度指标，“数量”“质量”“时效”“成本”归产出指标，“效益”“可持续”归效益指标，"
         "只认一个维度时才归入），其余归为“未分级指标”，按维度汇总时单列一行。",
    why="一级指标决定得分按产出、效益、满意度汇总；没有它，维度汇总和参考分值无从核对，"
        "推断的归类只是为了汇总，不代替单位填报。",
    example="指标表没有“一级指标”列：“制作宣传品数量”等 2 项按指标名称归入产出指标，"
            "其余 17 项归为“未分级指标”。",
    basis=f"{FORM_10}的指标栏结构（一级、二级、三级指标）。",
    fields=("note", "assigned"),
    message="{note}：{assigned}。请按产出指标、效益指标、满意度指标填写各指标的一级指标。")

HEADER_INFERRED = observation_check(
    code="HEADER_INFERRED", severity=INFO,
    title="表头按写法和内容识别", summary="一个不在同义表头清单中的表头，按其写法读作某一栏目，并经该列内容证实",
    what="表头不是已知的写法（如“参考分值”“自评分”“年终完成值”），但其组成部分说明了这一列的作用："
         "以“分值”“权重”结尾的是分值，以“得分”结尾或“自评…分”的是得分（“复核…分”是复核得分，"
         "只作保留，不作得分），以“完成值”结尾或以“实际”开头的是实际完成值，以“目标值”“指标值”结尾的"
         "是年度指标值，以“单位”结尾的是计量单位，以“原因”“措施”结尾的是偏差原因。"
         "读取前再用该列的内容核实：分值是 0–100 的数且合计与合计行相符，指标值带比较符号或单位，"
         "得分不超过同行分值。内容不符的列不读入（报告为 UNKNOWN_COLUMN）。",
    why="表头的写法各地不同，同义词清单列不全；按写法和内容识别能读入新的表式，"
        "但识别是推断，请确认这一列确实是所说的栏目。",
    example="表头“参考分值”（第 F 列）读作“分值”：8 个数值，合计 90，与合计行相符。",
    basis=f"{FORM_10}的栏目名称及各地表式的常见写法。",
    fields=("header", "role", "evidence", "column_letter"),
    message="表头“{header}”（第 {column_letter} 列）按其写法和内容读作“{role}”列（{evidence}）。"
            "请确认该列确为{role}。")

ROW_NOT_READ = observation_check(
    code="ROW_NOT_READ", severity=ERROR,
    title="指标行无法读取", summary="一行指标的分值无法读出，该行未计分，其余各行照常评分",
    what="某一行三级指标的分值缺失、不是数字或超出 0–100。这一行没有读入、不参与计分；"
         "表中其余各行照常读取和评分，总分因此只是部分指标的合计（见 TOTAL_PARTIAL）。"
         "（分值读得出、只是指标值、完成值或得分读不出的行照常计分，见 VALUE_NOT_READ。）",
    why="一行填错不应使整张表无法评价；但这一行没有计分，总分和等级不完整，须由单位更正后重新评价。",
    example="第 14 行“培训人数”分值为空：该行未计分，请填写该指标的分值（数字）。",
    basis=f"{BASIS_10}：绩效指标的分值、指标值和实际完成值应填写完整、准确。",
    fields=("text", "problem", "hint", "effect", "column_letter"),
    message="该行（{text}）无法读取：{problem}，{effect}。{hint}")

VALUE_NOT_READ = observation_check(
    code="VALUE_NOT_READ", severity=ERROR,
    title="数值无法读取", summary="一个单元格的数值无法读出，不猜测；该指标按缺少数据计分，或该数不参与核对",
    what="指标值、实际完成值、得分，或合计行、总分行、资金表中的一个数无法读出数值（如“M.8万元”"
         "“两个比较符号”“九十六分”）。perfnb 不猜测这个数：指标值或实际完成值读不出的，该指标保留分值、"
         "按缺少数据计分（0 分，并有 MISSING_VALUE 或 TEXT_ACTUAL）；得分、合计、总分或金额读不出的，该数不参与核对。"
         "其余各行、各数照常读取和评分。",
    why="猜出来的数可能是错的；读不出的数须由单位按原件更正，但不应使整张表无法评价。",
    example="第 26 行“绿化、水电费等成本”年度指标值“M.8万元”中的“M”不是数字：该项按缺少数据计分。",
    basis=f"{BASIS_10}：指标值、实际完成值应填写准确的数值。",
    fields=("text", "problem", "hint", "effect", "column_letter"),
    message="该行（{text}）的数无法读取：{problem}，{effect}。{hint}")

TOTAL_PARTIAL = observation_check(
    code="TOTAL_PARTIAL", severity=WARNING,
    title="总分只含部分指标", summary="有指标行无法读取，计算的总分只包含读入的指标",
    what="指标表中有的行无法读取（见 ROW_NOT_READ），计算的总分、各级得分和等级只包含读入的指标，"
         "不是完整的总分。",
    why="部分指标的合计低于完整的总分，等级可能偏低；与单位自报总分的差异主要来自未读入的行。",
    example="总分只计入 9 项指标中的 8 项（第 14 行未读入）。",
    basis=f"{BASIS_10}：总分为各项指标得分之和。",
    fields=("counted", "printed", "rows"),
    message="计算的总分只计入 {printed} 项指标中的 {counted} 项（{rows}未读入），不是完整的总分；"
            "请更正未读入的行后重新评价。")

OCR_DIGITS = observation_check(
    code="OCR_DIGITS", severity=WARNING,
    title="数字中有形似数字的字母", summary="数字中的 O、I、l 按 0、1 读取（扫描识别的文件常见）",
    what="单元格中的数字夹有形似数字的字母（扫描件文字识别的常见错误）：O、o 按 0，I、l 按 1 读取，"
         "如“IO”读作 10、“l00”读作 100、“O”读作 0。其他字母夹在数字中（如“M.8万元”）的，"
         "不猜测数值，该行按无法读取报告（ROW_NOT_READ）。",
    why="字母被当作数字读取是推断：请对照原件核实读出的数值。",
    example="表头“自评得分”一列的“IO”按 10 读取。",
    basis=f"{BASIS_10}：指标值、实际完成值应填写准确的数值。",
    fields=("heading", "text", "number"),
    message="表头“{heading}”一列的“{text}”中有形似数字的字母，已按 {number} 读取。"
            "请对照原件核实，并改为数字。")

WEIGHT_FROM_LABEL = observation_check(
    code="WEIGHT_FROM_LABEL", severity=INFO,
    title="分值取自指标标签", summary="表中没有“分值”列，分值写在一级/二级指标的标签里，由其下各项指标平分",
    what="指标表没有“分值”（权重）列，分值写在一级或二级指标的名称中（“数量指标15分”“产出指标（50分）”）。"
         "读取时把这一分值作为该组的分值，由组内各项三级指标平分，各项按自己的完成情况计分，"
         "组的得分是各项之和。（表中有“分值”列时，标签中的分值只用来核对合计，见 WEIGHT_ROLLUP。）",
    why="平分是推断：若单位对组内各项另有分配，请在表中补上“分值”列。",
    example="“数量指标15分”下有 3 项指标，各按 5 分计分。",
    basis=f"{FORM_10}的指标栏结构（一级、二级、三级指标及分值）。",
    fields=("label", "weight", "count", "share"),
    message="“{label}”的 {weight} 分由其下 {count} 项指标平分，各按 {share} 分计分。"
            "若分配不同，请在表中填写各项指标的分值。")

GROUP_SHARED = observation_check(
    code="GROUP_SHARED", severity=INFO,
    title="分值或得分合并于几项指标", summary="一个分值或得分单元格合并跨越几行指标，由这几项平分",
    what="“分值”或“得分”单元格上下合并，跨越几行三级指标（每个二级指标只填一个分值或得分）。"
         "读取时由这几项指标平分：分值平分后各项按自己的完成情况计分，填报得分平分后与之核对；"
         "合计不变。",
    why="不平分就会把同一个分值或得分重复计入每一行，总分成倍偏高。",
    example="得分“20”合并于第 9–12 行的 4 项指标，各按 5 分核对。",
    basis=f"{FORM_10}的指标栏结构。",
    fields=("column", "value", "count", "rows", "share"),
    message="{column}“{value}”合并于{rows}的 {count} 项指标，已由这几项平分（各 {share}）。"
            "如各项另有分配，请逐行填写。")

FUNDS_FROM_TEXT = observation_check(
    code="FUNDS_FROM_TEXT", severity=INFO,
    title="资金数按报告文字推断", summary="报告没有资金表，预算数或执行数从正文句子中推断得出（或有意不读）",
    what="报告没有资金表（年初预算数、全年预算数、全年执行数），资金从正文句子中读取：每个金额按它前面"
         "最近的词判断是预算（预算、安排、批复、下达；前有“年初”为年初预算数，前有“调整”“全年”为全年预算数）、"
         "执行（执行数、支出、支付、完成）、到位（到位、收到）还是上年结转，元、亿元折算为万元，中文数字照读。"
         "需要推断的读法各有一条提示并引用原句：没有写明年初还是全年的预算数按全年预算数读取；"
         "“共计”等合计数前没有写明预算还是支出的按预算数读取；写明上年结转而没有全年预算数的，"
         "上年结转与本年预算相加作为全年预算数；只写到位资金、没有写执行数的，到位资金不作为执行数，"
         "不计算执行率。决算的收入、支出不是预算和执行，不读取。",
    why="句子的写法各不相同，推断可能有误；执行率由这些数计算，请对照原句核实，最好附上资金表。",
    example="第 3 段“…按生均1000元安排,共计239万元,其中上级资金179.25万元…”：“共计”前没有写明是预算"
            "还是支出，全年预算数按 239 万元读取。",
    basis=f"{FORM_10}的资金栏（年初预算数、全年预算数、全年执行数）；执行率 = 全年执行数 ÷ 全年预算数。",
    fields=("figure", "amount", "paragraph", "sentence", "reason"),
    message="{figure} {amount} 万元取自报告第 {paragraph} 段“{sentence}”：{reason}。请对照原文核实，"
            "或在报告中附上资金表。")

SECOND_HEADER = observation_check(
    code="SECOND_HEADER", severity=INFO,
    title="表中另有一段带表头的指标", summary="同一张表中有几段各带表头的指标（如共性评分表与绩效指标表），已分别读取并合为一张",
    what="同一张表（工作表或文档）中，在第一段指标之外还有一段带自己表头的指标，例如项目决策、"
         "项目管理等共性指标的评分表（分值、自评分、评价标准）印在绩效指标表上方或下方，两段之间"
         "没有另一个项目名称或资金表。读取时按各段自己的表头（各列的栏目）分别读取，再合为同一张表的指标："
         "评分表中只有分值和自评分、没有指标值和完成值的指标，按缺少数据计分（见 MISSING_VALUE）。",
    why="只按第一个表头读取会把另一段的指标漏掉或按错列读取；分开读取后请核对两段是否确属同一张表。",
    example="第 11 行“项目权重 | 评价内容 | 分值 | 自评分”与第 18 行“一级指标 | 二级指标 | 指标名称 | 年初指标值 …”"
            "各为一段表头，两段指标合为一张表。",
    basis=f"{FORM_10}的指标栏结构（一级、二级、三级指标及分值）。",
    fields=("first_row", "columns"),
    message="此处另有一段带表头的指标（栏目：{columns}），已按其表头读取，并与第 {first_row} 行表头下的指标"
            "合为同一张表。请核对这两段是否确属同一张表。")

NO_BUDGET_ITEM = observation_check(
    code="NO_BUDGET_ITEM", severity=INFO,
    title="表中没有预算执行一项", summary="表中印出的分值已合计满分，预算执行率只计算、不另加分值",
    what="表中印出的分值已合计满分 100 分——只有一段指标时是各项指标的分值（或一级、二级指标标签中"
         "标明的分值，如“产出指标（50分）”），有几段时（如共性评分表与绩效指标表）是各段的分值——，"
         "而资金栏和指标表中都没有印出预算执行的分值：这张表不给预算执行单独计分。评价时照算执行率，"
         "但不按规则另加预算执行率的默认分值（否则满分会超过 100 分，总分也会多出这一项）。"
         "单位参数文件（YAML）中给出预算执行分值的，按给出的分值计分。",
    why="另加默认分值会凭空多出一项表上没有的指标；请核对表中是否确实没有预算执行的分值。",
    example="项目决策 2 分 + 项目管理 13 分 + 项目绩效 85 分 = 100 分，或产出指标 60 分 + 效益指标 30 分 + "
            "满意度指标 10 分 = 100 分：预算执行率 100% 只列示，不另计 10 分。",
    basis=f"{FORM_10}的分值结构；自评表各项分值合计为 100 分。",
    fields=("parts", "total"),
    message="表中各部分分值 {parts} 已合计 {total} 分，预算执行率只计算、不另加预算执行分值。"
            "若预算执行应单独计分，请在表中印出其分值。")

CHECKS = (SKIPPED_ROW, UNKNOWN_COLUMN, ACTUAL_AS_TARGET, UNKNOWN_KIND, APPROXIMATE_VALUE,
          RANGE_TARGET, UNIT_CONVERTED, UNIT_MISMATCH, LEVEL1_INFERRED, HEADER_INFERRED,
          ROW_NOT_READ, VALUE_NOT_READ, TOTAL_PARTIAL, OCR_DIGITS,
          WEIGHT_FROM_LABEL, GROUP_SHARED, FUNDS_FROM_TEXT, SECOND_HEADER,
          NO_BUDGET_ITEM)
