# Acquire declared resources (config/resources.yaml): pip package → local mirror → public URL.


rule acquire_resource:
    output:
        f"{RES}/{{resource}}/MANIFEST.json",
    params:
        spec=lambda wc: RESOURCES[wc.resource],
        uses_torch=False,
    log:
        f"{RES}/logs/{{resource}}.log",
    wildcard_constraints:
        resource="|".join(RESOURCES),
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../../scripts/common/acquire_resource.py"
