"""Django admin for the knowledge base, mostly for looking.

Articles, their tables and their tags and products change through the services, which write a
revision for every edit and keep the search documents in step; an admin edit form would skip
both, so those are view-only here. Categories can be added and described (a category's name
is in its articles' search documents, so it is not renamed here). The vendor directory's
admin is in admin_vendors.py (imported by KnowledgeConfig.ready).
"""

from django.contrib import admin
from django.http import HttpRequest

from followthrough.knowledge.models import Article, ArticleRevision, Category, Product, Tag


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    fields = ("number", "created_at", "author", "summary", "title")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ViewOnlyAdmin):
    list_display = (
        "title",
        "status",
        "visibility",
        "category",
        "owner",
        "review_by",
        "solved_count",
        "version",
        "updated_at",
    )
    list_filter = ("status", "visibility", "category")
    search_fields = ("title",)
    list_select_related = ("category", "owner")
    fields = (
        "title",
        "status",
        "visibility",
        "category",
        "tags",
        "products",
        "owner",
        "review_by",
        "published_at",
        "version",
        "solved_count",
        "body",
        "created_at",
        "updated_at",
    )
    inlines = (RevisionInline,)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "description")
    search_fields = ("name",)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        return ("name",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Tag)
class TagAdmin(ViewOnlyAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(ViewOnlyAdmin):
    list_display = ("name", "vendor")
    search_fields = ("name",)
    list_select_related = ("vendor",)
