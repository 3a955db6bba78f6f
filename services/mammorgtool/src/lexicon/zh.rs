//! Chinese terms: MammoRGTool's vocabulary (`reference/mammorg.md` §6 and §13) and the usual
//! wording of Chinese mammography reports (`reference/birads.md` §6), each mapped to the same
//! meaning as its English twin in [`super::terms`]. The synonyms MammoRGTool canonicalises
//! (肿物→肿块, 淋巴结增大→淋巴结肿大, 乳头内陷→乳头凹陷, 结构紊乱→结构扭曲, Cooper韧带增厚→悬韧带增粗,
//! 非对称性致密→结构不对称, 腋窝→腋下, 边界→边缘, 欠清/不清→模糊, 局限性→局灶性) sit under the
//! canonical term's meaning.
//!
//! Chinese has no word boundaries; the automaton's leftmost-longest rule segments the text. A
//! side word takes the 乳 that follows it (右乳头 reads 右乳 + 头…), so the tails 头凹陷, 晕后 and
//! 内淋巴结 are listed too.

use super::{DescClass as C, Dir, SectionKind as S, Term as T};
use mammoflow_domain::{BiRads as B, Density as D, FindingType as F, RecommendationAction as R, Side};

type Entry = (&'static [&'static str], T);

pub(super) fn table() -> Vec<Entry> {
    let mut v: Vec<Entry> = Vec::with_capacity(160);
    v.extend(findings());
    v.extend(descriptors());
    v.extend(locations());
    v.extend(context());
    v.extend(assessment());
    v.extend(recommendation());
    v
}

fn findings() -> Vec<Entry> {
    vec![
        (&["肿块", "肿块影", "肿物", "团块", "团块影", "块影", "占位", "占位性病变", "囊肿", "囊性肿块", "纤维腺瘤",
           "腺瘤", "脂肪瘤", "错构瘤", "积乳囊肿", "油脂囊肿", "乳头状瘤", "导管内乳头状瘤"], T::Finding(F::Mass)),
        (&["钙化", "钙化灶", "钙化影", "钙化点", "微钙化", "微小钙化", "细小钙化", "钙化斑"], T::Finding(F::Calcification)),
        (&["血管钙化", "血管壁钙化"], T::FindingWith(F::Calcification, "vascular", C::CalcMorph)),
        (&["皮肤钙化"], T::FindingWith(F::Calcification, "skin", C::CalcMorph)),
        (&["钙乳", "钙乳样钙化"], T::FindingWith(F::Calcification, "milk_of_calcium", C::CalcMorph)),
        (&["结构不对称", "不对称", "不对称致密", "不对称性致密", "非对称性致密", "非对称致密", "不对称影"], T::Finding(F::Asymmetry)),
        (&["局灶性不对称", "局限性不对称", "局灶不对称", "局灶性结构不对称", "局限性结构不对称"], T::FindingWith(F::Asymmetry, "focal", C::Asym)),
        (&["进展性不对称", "进展性结构不对称"], T::FindingWith(F::Asymmetry, "developing", C::Asym)),
        (&["大范围不对称", "整体不对称", "球形不对称"], T::FindingWith(F::Asymmetry, "global", C::Asym)),
        (&["结构扭曲", "结构紊乱", "结构纠集", "扭曲", "结构扭曲变形"], T::Finding(F::ArchitecturalDistortion)),
        (&["淋巴结", "淋巴结影"], T::Finding(F::LymphNode)),
        // Enlargement is stated: a "normal" word in the clause does not cancel it.
        (&["淋巴结肿大", "肿大淋巴结", "淋巴结增大", "增大淋巴结", "肿大的淋巴结", "淋巴结明显肿大"],
         T::FindingWith(F::LymphNode, "enlarged", C::Any)),
        (&["未见肿大淋巴结", "未见增大淋巴结", "未见明显肿大淋巴结", "无肿大淋巴结", "淋巴结未见肿大", "淋巴结未见增大",
           "淋巴结无肿大", "淋巴结未见明显肿大", "未见异常肿大淋巴结", "淋巴结显示", "淋巴结影显示", "小淋巴结"],
         T::FindingNeg(F::LymphNode)),
        (&["乳内淋巴结", "乳腺内淋巴结", "乳房内淋巴结", "内淋巴结"], T::Finding(F::IntramammaryLymphNode)),
        (&["皮肤增厚", "皮肤局限性增厚", "皮肤局部增厚", "皮肤弥漫性增厚", "皮肤水肿", "皮肤明显增厚", "皮肤稍增厚"],
         T::Finding(F::SkinThickening)),
        (&["皮肤未见增厚", "皮肤无增厚", "皮肤未见明显增厚", "皮肤无明显增厚"], T::FindingNeg(F::SkinThickening)),
        (&["皮肤凹陷", "皮肤回缩", "皮肤内陷", "皮肤收缩", "酒窝征", "皮肤牵拉"], T::Finding(F::SkinRetraction)),
        (&["皮肤未见凹陷", "皮肤无凹陷"], T::FindingNeg(F::SkinRetraction)),
        (&["乳头凹陷", "乳头内陷", "乳头回缩", "乳头内缩", "头凹陷", "头内陷", "头回缩"], T::Finding(F::NippleRetraction)),
        (&["乳头未见凹陷", "乳头无凹陷", "乳头未见内陷", "乳头无内陷", "乳头未见回缩", "头未见凹陷", "头无凹陷", "头未见内陷",
           "头无内陷"], T::FindingNeg(F::NippleRetraction)),
        (&["悬韧带增粗", "悬韧带增厚", "cooper韧带增厚", "cooper韧带增粗", "库珀韧带增厚", "库柏韧带增厚", "小梁增粗"],
         T::Finding(F::TrabecularThickening)),
        (&["悬韧带未见增粗", "悬韧带无增粗", "cooper韧带未见增厚"], T::FindingNeg(F::TrabecularThickening)),
        (&["皮肤痣", "皮脂腺囊肿", "表皮样囊肿", "皮肤病变"], T::Finding(F::SkinLesion)),
        (&["导管扩张", "导管扩张症", "单发导管扩张", "孤立性导管扩张", "孤立性扩张导管", "扩张导管"], T::Finding(F::SolitaryDilatedDuct)),
        (&["假体", "乳房假体", "乳腺假体", "硅胶假体", "植入物", "假体植入", "填充物", "注射物"], T::Finding(F::Implant)),
        (&["术后改变", "术后瘢痕", "手术瘢痕", "瘢痕", "疤痕", "术后疤痕", "术区改变", "术区瘢痕", "手术夹", "术后夹",
           "活检术后改变", "活检后改变", "保乳术后改变", "放疗后改变"], T::Finding(F::PostSurgicalChange)),
        (&["结节", "结节影", "小结节", "结节灶"], T::Finding(F::Nodule)),
        (&["乳腺增生", "腺体增生", "增生", "乳腺小叶增生", "小叶增生", "囊性增生", "增生症", "乳腺增生症"], T::Finding(F::BreastHyperplasia)),
    ]
}

fn descriptors() -> Vec<Entry> {
    vec![
        (&["卵圆形", "椭圆形", "类椭圆形"], T::Desc("oval", C::Shape)),
        (&["圆形", "类圆形"], T::Desc("round", C::Shape)),
        (&["不规则", "不规则形", "形态不规则", "不规则状"], T::Desc("irregular", C::Shape)),
        (&["边缘清晰", "边缘清楚", "边缘光整", "边缘光滑", "边界清晰", "边界清楚", "边界清", "边缘清", "光整", "边缘锐利"],
         T::Desc("circumscribed", C::Margin)),
        (&["部分边缘模糊", "部分边缘遮蔽", "边缘部分遮蔽", "边缘遮蔽", "遮蔽", "部分遮蔽"], T::Desc("obscured", C::Margin)),
        (&["边缘模糊", "边界模糊", "边缘欠清", "边界欠清", "边缘不清", "边界不清", "边缘不清晰", "边界不清晰", "模糊", "欠清"],
         T::Desc("indistinct", C::Margin)),
        (&["微分叶", "微小分叶", "边缘微分叶", "分叶状", "分叶", "浅分叶"], T::Desc("microlobulated", C::Margin)),
        (&["毛刺", "毛刺影", "毛刺状", "毛刺征", "边缘毛刺", "星芒状", "放射状"], T::Desc("spiculated", C::Margin)),
        (&["高密度", "稍高密度", "密度增高", "较高密度"], T::Desc("high_density", C::MassDensity)),
        (&["等密度"], T::Desc("equal_density", C::MassDensity)),
        (&["低密度"], T::Desc("low_density", C::MassDensity)),
        (&["含脂肪", "脂肪密度", "含脂"], T::Desc("fat_containing", C::MassDensity)),
        (&["密度均匀"], T::Desc("homogeneous_density", C::MassDensity)),
        (&["密度不均匀", "密度不均"], T::Desc("heterogeneous_density", C::MassDensity)),
        (&["点状"], T::Desc("punctate", C::CalcMorph)),
        (&["粗大", "爆米花样", "爆米花状", "粗颗粒"], T::Desc("coarse", C::CalcMorph)),
        (&["杆状", "棒状", "粗棒状"], T::Desc("large_rod_like", C::CalcMorph)),
        (&["环形", "环状", "蛋壳样", "蛋壳状", "壳样"], T::Desc("rim", C::CalcMorph)),
        (&["营养不良性"], T::Desc("dystrophic", C::CalcMorph)),
        (&["无定形", "模糊不定形", "不定形"], T::Desc("amorphous", C::CalcMorph)),
        (&["粗糙不均质", "粗糙不均匀"], T::Desc("coarse_heterogeneous", C::CalcMorph)),
        (&["细小多形性", "多形性", "多形态"], T::Desc("fine_pleomorphic", C::CalcMorph)),
        (&["细线样", "细线状", "细线分支状", "线样分支状", "分支状", "线虫样", "铸型"], T::Desc("fine_linear", C::CalcMorph)),
        (&["颗粒状"], T::Desc("granular", C::CalcMorph)),
        (&["斑点状"], T::Desc("speckled", C::CalcMorph)),
        (&["弥漫性", "弥漫", "散在", "散在分布", "弥漫分布"], T::Desc("diffuse", C::CalcDist)),
        (&["区域性", "区域状", "区域分布"], T::Desc("regional", C::CalcDist)),
        (&["簇状", "成簇", "簇样", "集群", "成簇状", "簇状分布"], T::Desc("grouped", C::CalcDist)),
        (&["线样", "线性", "线状", "线样分布", "线性分布"], T::Desc("linear", C::CalcDist)),
        (&["段样", "段性", "节段性", "段样分布", "段性分布"], T::Desc("segmental", C::CalcDist)),
        (&["局灶性", "局灶", "局限性"], T::Desc("focal", C::Asym)),
        (&["整体", "大范围"], T::Desc("global", C::Asym)),
        (&["进展性"], T::Desc("developing", C::Asym)),
        (&["新发", "新出现", "新见"], T::Desc("new", C::Any)),
        (&["较前增大", "增大"], T::Desc("increasing", C::Any)),
        (&["良性", "良性表现"], T::Desc("benign", C::Any)),
        (&["结节状"], T::Desc("nodular", C::Any)),
        (&["局部"], T::Desc("local", C::Any)),
        (&["破裂"], T::Desc("rupture", C::Any)),
    ]
}

fn locations() -> Vec<Entry> {
    vec![
        (&["外上象限", "外上", "外上方", "外上象限区"], T::Loc("upper_outer_quadrant")),
        (&["内上象限", "内上", "内上方"], T::Loc("upper_inner_quadrant")),
        (&["外下象限", "外下", "外下方"], T::Loc("lower_outer_quadrant")),
        (&["内下象限", "内下", "内下方"], T::Loc("lower_inner_quadrant")),
        (&["中央区", "中央", "中央区域"], T::Loc("central")),
        (&["乳晕后", "乳晕下", "乳晕区", "乳晕后方", "乳晕周围", "乳晕旁", "晕后", "晕下", "晕区", "晕后方", "乳头后方",
           "乳头下方"], T::Loc("subareolar")),
        (&["腋尾", "腋尾部", "腋尾区"], T::Loc("axillary_tail")),
        (&["腋下", "腋窝", "腋窝区", "腋区", "腋窝内", "腋下内"], T::Loc("axilla")),
        (&["前带"], T::Loc("anterior_depth")),
        (&["中带"], T::Loc("middle_depth")),
        (&["后带", "深部"], T::Loc("posterior_depth")),
        (&["点钟", "点钟方向", "点方向", "点"], T::Clock),
        (&["距乳头", "距离乳头", "距乳晕"], T::FromNipple),
        (&["毫米"], T::Unit(10)),
        (&["厘米"], T::Unit(100)),
        (&["右乳", "右侧", "右", "右侧乳腺", "右乳腺", "右乳房"], T::Side(Side::Right)),
        (&["左乳", "左侧", "左", "左侧乳腺", "左乳腺", "左乳房"], T::Side(Side::Left)),
        (&["双乳", "双侧", "双", "两侧", "两乳", "双侧乳腺", "双乳腺", "左右乳", "左右两侧", "双侧乳房"], T::Side(Side::Bilateral)),
    ]
}

fn context() -> Vec<Entry> {
    vec![
        (&["未见", "未发现", "未显示", "未见明显", "未见确切", "未见明确", "无", "无明显", "未扪及", "未触及", "未及", "排除", "没有",
           "未见异常", "未出现", "否认"], T::Neg(Dir::Pre)),
        (&["消失", "已消失", "不明显"], T::Neg(Dir::Post)),
        (&["可能为", "可能是", "考虑", "考虑为", "疑似", "疑为", "可疑为", "倾向", "倾向于", "似为"], T::Unc(Dir::Pre)),
        (&["可能", "可能性大", "可能大", "不除外", "不能除外", "不能排除", "不排除", "待排", "待排除", "性质待定", "待定"],
         T::Unc(Dir::Post)),
        (&["既往", "术后", "活检后", "活检术后", "曾", "曾行", "手术史", "前次", "上次", "以往"], T::Hist),
        (&["较前无明显变化", "较前未见明显变化", "较前相仿", "与前片相仿", "无明显变化", "未见明显变化", "无变化", "稳定", "目前",
           "现在", "本次", "仍", "仍可见", "依然", "持续", "较前"], T::Current),
        (&["如果", "若", "假如", "倘若", "如为", "必要时", "如有必要", "如需"], T::Hypo(Dir::Pre)),
        (&["但", "但是", "然而"], T::Stop),
        (&["伴", "伴有", "伴随", "合并"], T::Assoc),
        (&["见", "可见", "显示", "示", "发现", "另见", "呈", "提示", "表现为"], T::PosVerb),
        (&["正常", "形态正常", "未见肿大", "未见增大", "无肿大", "淋巴门", "门结构"], T::NodeNormal),
        (&["恶性", "乳腺癌", "癌", "恶性肿瘤", "浸润性癌"], T::Malignancy),
        (&["左右", "可疑", "类似", "相似", "活检证实", "病理证实", "穿刺证实", "如下", "标记", "金属标记", "皮肤标记", "活检夹",
           "定位夹", "金属夹", "年龄"], T::Ignore),
        (&["检查所见", "影像所见", "所见", "影像表现", "x线所见", "钼靶所见", "乳腺x线所见", "表现", "影像学表现", "检查描述"],
         T::Header(S::Findings)),
        (&["诊断意见", "影像诊断", "诊断", "印象", "诊断结论", "结论", "意见", "影像学诊断", "检查结论", "乳腺x线诊断"],
         T::Header(S::Impression)),
        (&["病史", "临床病史", "简要病史", "临床资料", "临床诊断", "主诉", "现病史"], T::Header(S::History)),
        (&["检查方法", "检查技术", "检查项目", "摄影体位", "投照体位"], T::Header(S::Technique)),
        (&["对比", "比较", "对照"], T::Header(S::Comparison)),
        (&["处理建议", "随访建议", "临床建议", "建议事项"], T::Header(S::Recommendation)),
    ]
}

fn assessment() -> Vec<Entry> {
    vec![
        (&["分类", "分级", "评估", "评估分类", "最终评估", "总体评估", "评价"], T::CategoryKw),
        (&["类"], T::CatSuffix),
        (&["乳腺密度", "腺体密度", "乳腺构成", "腺体构成", "乳腺组成", "乳腺类型", "腺体类型", "乳腺分型", "腺体分型",
           "乳腺实质类型", "密度分类", "密度分型", "乳腺腺体类型", "构成", "乳房构成"], T::DensityKw),
        (&["脂肪型", "脂肪为主型", "脂肪型乳腺", "全脂肪型", "a型", "a类"], T::DensityPhrase(D::A)),
        (&["纤维腺体型", "散在纤维腺体型", "少量腺体型", "散在纤维腺体", "纤维腺体散在型", "b型", "b类"], T::DensityPhrase(D::B)),
        (&["不均匀致密型", "不均质致密型", "多量腺体型", "不均匀致密", "c型", "c类"], T::DensityPhrase(D::C)),
        (&["致密型", "致密腺体型", "极度致密型", "极其致密型", "高度致密型", "d型", "d类"], T::DensityPhrase(D::D)),
        (&["已知恶性", "活检证实恶性", "病理证实恶性"], T::CatPhrase(B::KnownMalignancy)),
    ]
}

fn recommendation() -> Vec<Entry> {
    vec![
        (&["活检", "穿刺活检", "穿刺", "病理检查", "病理学检查", "组织学检查", "空芯针穿刺", "粗针穿刺", "真空辅助活检",
           "立体定位活检", "超声引导下穿刺", "超声引导下穿刺活检", "细针穿刺"], T::Rec(R::Biopsy)),
        (&["外科会诊", "外科就诊", "乳腺外科就诊", "乳腺外科会诊", "手术治疗", "手术切除", "外科治疗", "外科处理", "临床处理",
           "外科手术", "手术", "外科"], T::Rec(R::SurgicalConsultation)),
        (&["进一步检查", "进一步评估", "进一步影像学检查", "补充摄影", "补充检查", "补充点压", "点压", "点压摄影", "点压放大",
           "点压放大摄影", "放大摄影", "局部加压", "局部加压摄影", "超声", "超声检查", "b超", "彩超", "乳腺超声", "磁共振",
           "核磁共振", "核磁", "召回", "断层摄影", "增强检查", "结合超声"], T::Rec(R::AdditionalImaging)),
        (&["短期随访", "短期复查", "短期内复查", "密切随访", "短期", "治疗后复查", "抗炎治疗后复查"], T::Rec(R::ShortIntervalFollowUp)),
        (&["随访", "复查", "随诊", "复诊"], T::FollowUp),
        (&["定期复查", "定期随访", "常规筛查", "定期筛查", "常规随访", "常规复查", "年度筛查"], T::Rec(R::RoutineScreening)),
        (&["建议", "推荐", "请", "宜", "需", "应行", "建议行"], T::RecVerb),
        (&["个月"], T::Months(1)),
        (&["年"], T::Months(12)),
        (&["每年", "一年", "年度"], T::Interval(12)),
        (&["半年", "六个月"], T::Interval(6)),
        (&["三个月"], T::Interval(3)),
        (&["两年", "二年"], T::Interval(24)),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::terms;
    use crate::normalize::Normalized;

    /// A Chinese pattern has one meaning, also next to the English table it is compiled with.
    #[test]
    fn no_chinese_pattern_has_two_meanings() {
        let mut seen = HashMap::new();
        for (words, term) in terms::table() {
            for w in words {
                seen.insert(Normalized::new(w).text, term);
            }
        }
        for (words, term) in super::table() {
            for w in words {
                let old = seen.insert(Normalized::new(w).text, term);
                assert!(old.is_none_or(|t| t == term), "{w}: {old:?} and {term:?}");
            }
        }
    }
}
