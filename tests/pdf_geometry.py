"""Where a PDF page draws its images, in millimetres from the page's top-left corner.

Read from the page's own operators: q/Q save and restore the transformation, cm multiplies it,
and Do draws an image XObject into the unit square of the current transformation. Enough of
PDF for WeasyPrint's output, which places every image this way.
"""

from __future__ import annotations

from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ContentStream

MM = 72 / 25.4  #: PDF points in a millimetre


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float


def multiply(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix a × b, both as PDF's (a b c d e f)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _xobjects(resources) -> dict:
    found = {}
    for name, xobject in (resources.get("/XObject") or {}).items():
        found[name] = xobject.get_object()
    return found


def image_boxes(path, page_number: int) -> list[Box]:
    """Every image the page draws (directly or inside a form XObject), in drawing order."""
    reader = PdfReader(str(path))
    page = reader.pages[page_number]
    height = float(page.mediabox.height)
    boxes: list[Box] = []

    def walk(contents, resources, matrix: tuple[float, ...]) -> None:
        stack: list[tuple[float, ...]] = []
        xobjects = _xobjects(resources)
        for operands, operator in ContentStream(contents, reader).operations:
            if operator == b"q":
                stack.append(matrix)
            elif operator == b"Q":
                matrix = stack.pop()
            elif operator == b"cm":
                matrix = multiply(tuple(float(v) for v in operands), matrix)
            elif operator == b"Do":
                xobject = xobjects.get(operands[0])
                if xobject is None:
                    continue
                if xobject["/Subtype"] == "/Image":
                    corners = [(x * matrix[0] + y * matrix[2] + matrix[4], x * matrix[1] + y * matrix[3] + matrix[5]) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
                    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
                    boxes.append(Box(min(xs) / MM, (height - max(ys)) / MM, max(xs) / MM, (height - min(ys)) / MM))
                elif xobject["/Subtype"] == "/Form":
                    form = tuple(float(v) for v in xobject.get("/Matrix", (1, 0, 0, 1, 0, 0)))
                    walk(xobject, xobject.get("/Resources") or resources, multiply(form, matrix))

    walk(page.get_contents(), page["/Resources"], (1.0, 0.0, 0.0, 1.0, 0.0, 0.0))
    return boxes
