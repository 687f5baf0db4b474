# Acquire declared resources (config/resources.yaml): pip package → local mirror → public URL.


rule acquire_resource:
    output:
        f"{RES}/{{resource}}/MANIFEST.json",
    log:
        f"{RES}/logs/{{resource}}.log",
    wildcard_constraints:
        resource="|".join(RESOURCES),
    conda:
        "../../envs/pipeline.yaml"
    params:
        # what the resource is (its checksums), not where it comes from: a new source reruns nothing
        files=lambda wc: RESOURCES[wc.resource]["files"],
    script:
        "../../scripts/common/acquire_resource.py"
