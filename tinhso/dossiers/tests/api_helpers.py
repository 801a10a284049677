from django.urls import reverse


def url(name, *args, **kwargs):
    return reverse(f"api:{name}", args=args, kwargs=kwargs or None)


def post(client, path, body=None, key="khoa-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, body or {}, content_type="application/json", headers=headers)
