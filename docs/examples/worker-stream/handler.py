import runpod


def handler(job):
    for word in job["input"].get("text", "").split():
        yield {"token": word}


runpod.serverless.start({"handler": handler, "return_aggregate_stream": True})
