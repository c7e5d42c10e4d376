import runpod


def handler(job):
    job_input = job["input"]
    if "raise" in job_input:
        raise ValueError(job_input["raise"])
    return {"greeting": f"Hello, {job_input.get('name', 'world')}!"}


runpod.serverless.start({"handler": handler})
