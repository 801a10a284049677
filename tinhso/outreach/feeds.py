"""RSS of the portal news (Tin chuyển đổi số): the latest published articles."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from tinhso.outreach import selectors

FEED_SIZE = 30


class NewsFeed(Feed):
    feed_type = Rss201rev2Feed
    title = _("Digital transformation news")
    description = _("News, guides and campaigns about digital transformation in the province.")

    def link(self):
        return reverse("outreach:news_list")

    def items(self):
        return selectors.news_published()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary or item.body[:500]

    def item_link(self, item):
        return reverse("outreach:news_detail", args=[item.slug])

    def item_pubdate(self, item):
        return item.published_at

    def item_guid(self, item):
        return f"tinhso-news-{item.pk}"

    item_guid_is_permalink = False
