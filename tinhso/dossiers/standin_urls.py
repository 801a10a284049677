"""The stand-in payment gateway's pages, mounted at /cong-thanh-toan-thu/ by the project only
when no real gateway is configured (see ``payments.real_gateway_configured``)."""

from django.urls import path

from tinhso.dossiers import standin_gateway

app_name = "standin_gateway"
urlpatterns = [
    path("paymentv2/vpcpay.html", standin_gateway.pay_page, name="pay"),
    path("paymentv2/xu-ly", standin_gateway.process, name="process"),
]
