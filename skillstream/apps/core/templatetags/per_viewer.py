"""`{% per_viewer "viewer/part.html" name=value ... %}`: a part of a page that depends on who
looks at it (see apps.core.per_viewer). A part uses only its arguments and the viewer's context
(the context processors' values and the facts a view passes to `SharedPage.fill`), not the
page's variables, so that it renders the same in place and when filled in later."""

from typing import Any

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.utils.html import conditional_escape

from apps.core.per_viewer import DEFERRED, MARKER, render_part

register = template.Library()


class PerViewerNode(template.Node):
    def __init__(self, template_name: FilterExpression, arguments: dict[str, FilterExpression]):
        self.template_name = template_name
        self.arguments = arguments

    def render(self, context: template.Context) -> str:
        name = self.template_name.resolve(context)
        # Stored with the shared page: a form field or other renderable is kept as its HTML.
        arguments = {key: _plain(value.resolve(context)) for key, value in self.arguments.items()}
        deferred = context.get(DEFERRED)
        if deferred is not None:
            deferred.append((name, arguments))
            return MARKER
        return render_part(name, arguments, context)


def _plain(value: Any) -> Any:
    return conditional_escape(value) if hasattr(value, "__html__") else value


@register.tag
def per_viewer(parser: Parser, token: Token) -> PerViewerNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("per_viewer needs a template name")
    arguments = template.base.token_kwargs(bits[2:], parser, support_legacy=False)
    if len(arguments) != len(bits) - 2:
        raise template.TemplateSyntaxError(f"per_viewer takes name=value arguments: {bits[2:]}")
    return PerViewerNode(parser.compile_filter(bits[1]), arguments)


class VariesOnNode(template.Node):
    """Renders nothing: the part's declaration of what it reads about the viewer."""

    def __init__(self, expressions: list[FilterExpression]):
        self.expressions = expressions

    def render(self, context: template.Context) -> str:
        return ""


@register.tag
def varies_on(parser: Parser, token: Token) -> VariesOnNode:
    """`{% varies_on user.pk liked ... %}` in a part: every value of the viewer's context the
    part reads (apps.core.per_viewer renders it once per combination and reuses it). A value
    left out would show one viewer's part to another; one the part does not read only makes
    it rendered more often."""
    return VariesOnNode([parser.compile_filter(bit) for bit in token.split_contents()[1:]])
