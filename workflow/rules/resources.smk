# Acquire declared resources (config/resources.yaml): pip package → local mirror → public URL.
# One rule per resource, because its data files are outputs (and so inputs of the jobs that read them):
# a data file changed after acquisition makes its consumers out of date, and those jobs re-hash what
# they read before using it (kexue.resources.check_acquired); a changed checksum in resources.yaml
# (params) re-acquires the resource and reruns its consumers. On a cluster they run on the submitting
# host (localrule): it is the machine that has the network or the mirrors, and each resource is fetched
# once, before the jobs that read it fan out to the nodes.
for _name, _spec in RESOURCES.items():

    rule:
        name:
            f"acquire_{_name}"
        output:
            manifest=f"{RES}/{_name}/MANIFEST.json",
            files=[f"{RES}/{_name}/{f}" for f in _spec["files"]],
        log:
            f"{RES}/logs/{_name}.log",
        localrule: True
        conda:
            "../../envs/pipeline.yaml"
        params:
            resource=_name,
            # what the resource is (its checksums), not where it comes from: a new source reruns nothing
            files=_spec["files"],
        script:
            "../../scripts/common/acquire_resource.py"
