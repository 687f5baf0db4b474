# Shared setup: the configuration (shared keys + one section per article), the claims registry, paths,
# and the helpers every article's rules use. Articles are found by their folders (kexue.config).
import os
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError

from kexue import config as kexue_config

ROOT = Path(workflow.basedir)
ARTICLES = kexue_config.article_slugs(ROOT)  # config/articles/<slug>/ with a claims.yaml


def load_config(config: dict) -> None:
    """Defaults, the tier's files, then --configfile/--config values, validated against the shared
    schema and each article's; a wrong key or value stops here with one line naming it."""
    try:
        merged = kexue_config.resolve(ROOT, workflow.config_settings.overwrite_config)
        kexue_config.validate(ROOT, merged)
    except kexue_config.ConfigError as error:
        raise WorkflowError(str(error)) from None
    config.clear()
    config.update(merged)


def load_claims() -> dict:
    """Each article's claims registry (config/articles/<slug>/claims.yaml), validated."""
    try:
        return {a: kexue_config.load_claims(ROOT, a) for a in ARTICLES}
    except kexue_config.ConfigError as error:
        raise WorkflowError(str(error)) from None


load_config(config)
CLAIMS = load_claims()
RESOURCES = yaml.safe_load((ROOT / "config" / "resources.yaml").read_text())

R = config["results_dir"]
W = config["work_dir"]
RES = config["resources_dir"]

# scripts import the library package from the repository, locally, in conda envs and on a cluster
os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [workflow.basedir, os.getenv("PYTHONPATH")])))
os.environ.setdefault("HF_HUB_OFFLINE", "0" if config["network"] else "1")


def enabled(article: str) -> bool:
    return config[article]["enabled"]


ENABLED = [a for a in ARTICLES if enabled(a)]


def article_claims(article: str) -> list:
    return CLAIMS[article]["claims"]


def claim_parameters(claim_id: str, *names: str) -> dict:
    """Numbers of a claim's decision rule, or the article's numbers it is compared with, that its script
    needs (claims.yaml: parameters), e.g. the SE multiple of a per-cell test: the registry holds every
    threshold and reference value, and scripts get them through params. All of them, or `names`."""
    article = claim_id.split(".")[0]
    claim = next((c for c in article_claims(article) if c["id"] == claim_id), {})
    missing = [n for n in names if n not in claim.get("parameters", {})]
    if not claim.get("parameters") or missing:
        raise WorkflowError(
            f"config/articles/{article}/claims.yaml: claim {claim_id} lacks parameters {', '.join(missing) or ''}"
        )
    return {n: claim["parameters"][n] for n in names or claim["parameters"]}


def claim_metrics(article: str) -> list:
    """Metrics files the article's claims are decided from."""
    return sorted({f"{R}/{c['metrics']}" for c in article_claims(article) if "metrics" in c})


ARTICLE_OUTPUTS = {}  # article → its tables and figures, filled in by each article's rules.smk
ARTICLE_BENCHMARKS = {}  # article → its jobs' benchmark files, for the report's runtime table
ARTICLE_REPORT_SECTIONS = {}  # article → metrics files whose "report" entry (title, rows) its report shows


def article_targets() -> list:
    return [f"{R}/{a}/{name}" for a in ENABLED for name in ("verdicts.csv", "REPORT.md")] + [
        out for a in ENABLED for out in ARTICLE_OUTPUTS[a]
    ]


def resource(name: str) -> list:
    """The inputs that give a job resource `name`. Its manifest first, then its data files (so that a
    changed file reruns the job). A script finds the folder with kexue.jobs.resource_folder."""
    return [f"{RES}/{name}/MANIFEST.json"] + [f"{RES}/{name}/{f}" for f in RESOURCES[name]["files"]]


def benchmark(article: str, name: str) -> str:
    """Benchmark files live with the article's results: the report's runtime table reads them."""
    return f"{R}/{article}/benchmarks/{name}.tsv"


def figure(path: str, caption: str, article: str):
    """A figure that snakemake --report shows, with its caption (workflow/report/<article>/<caption>;
    the path is relative to the article's rules.smk, where this is called) and category."""
    return report(path, caption=f"../../report/{article}/{caption}", category=article)


def num(x) -> str:
    """A number as it appears in a path: 0.001, 3e-05, 0.3 (Python's %g, 6 significant digits)."""
    return f"{x:g}"


# ------------------------------------------------------------------ when a run fails (onerror in verdicts.smk)


def job_article(job):
    """The article a job belongs to: its {article} wildcard, else its rule's slug prefix (resources: None)."""
    if "article" in job.wildcards.keys():
        return job.wildcards["article"]
    return next((a for a in sorted(ARTICLES, key=len, reverse=True) if job.rule.name.startswith(a)), None)


def failure_reason(job) -> str:
    """One line: the rule, the first error its script logged (kexue.jobs logs them), and the log's path."""
    logs = [str(f) for f in job.log]
    message = ""
    for path in logs:
        lines = Path(path).read_text(errors="replace").splitlines() if Path(path).is_file() else []
        first = next((i for i, line in enumerate(lines) if " ERROR " in line), None)
        if first is not None:
            message = lines[first].split(" ERROR ", 1)[1]
            # a multi-line message (a resource's sources): its first line and its fix
            fix = next((line for line in lines[first + 1 :] if line.startswith("To fix")), "")
            message = f"{message} {fix}".strip()
            break
    where = f" (log: {', '.join(logs)})" if logs else ""
    return f"job {job.rule.name} failed: {message or 'see its log'}{where}"


def report_after_failure():
    """The verdicts and the index for everything that finished, each claim of an article whose jobs did
    not finish as `error` with the reason: its own failed job's, else the failed job it waited for (a
    resource no source could provide, for example). These files are dated to 1970, so that the next
    run rewrites them whatever else it does: nothing written here is ever trusted as up to date."""
    import pandas as pd

    from kexue import provenance
    from kexue.jobs import read_json, write_atomic
    from kexue.report import render_front_page, render_index, runtime_table
    from kexue.verdicts import error_rows

    dag = workflow.dag
    failed_jobs = set(getattr(workflow.scheduler, "failed", ()))
    failed = {}
    for job in sorted(dag.needrun_jobs(exclude_finished=True), key=lambda j: j not in failed_jobs):
        article = job_article(job)
        if article not in ENABLED or article in failed:
            continue
        culprit = (
            job if job in failed_jobs else next((j for j in dag.bfs(dag.dependencies, job) if j in failed_jobs), None)
        )
        failed[article] = (
            failure_reason(culprit) if culprit else "not run: the run stopped before it (rerun with --keep-going)"
        )
    rows = []
    for article in ENABLED:
        path = Path(R, article, "verdicts.csv")
        if article in failed or not path.is_file():
            failed.setdefault(article, "not run (see the Snakemake log)")
            rows += error_rows(article_claims(article), failed[article])
        else:
            rows += pd.read_csv(path, keep_default_na=False).to_dict("records")
    verdicts = pd.DataFrame(rows)
    benchmarks = {a: [b for b in ARTICLE_BENCHMARKS[a] if Path(b).is_file()] for a in ENABLED}
    environment_file = Path(R, "environment.json")
    catalog = yaml.safe_load(Path(ROOT, "config", "catalog.yaml").read_text())["articles"]
    built, runtime, git = {a: enabled(a) for a in ARTICLES}, runtime_table(benchmarks), provenance.git_state()
    environment = read_json(environment_file) if environment_file.is_file() else None
    text = render_index(catalog, verdicts, runtime, built, config["tier"], git, environment, failed)
    front = render_front_page(catalog, verdicts, runtime, built, config["tier"], git, failed)
    for path, write in (
        (Path(R, "verdicts.csv"), lambda tmp: verdicts.to_csv(tmp, index=False)),
        (Path(R, "REPORT.md"), lambda tmp: tmp.write_text(text)),
        (Path(R, "report_front.rst"), lambda tmp: tmp.write_text(front)),
    ):
        write_atomic(path, write)
        os.utime(path, (0, 0))
    print(
        f"The run failed for {len(failed)} article(s): {', '.join(sorted(failed))}. {R}/verdicts.csv and "
        f"{R}/REPORT.md still list every claim (those as `error`, with the reason)."
    )
