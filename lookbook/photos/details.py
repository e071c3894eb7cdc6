"""Which detail crops a garment gets, and the render (file) kinds they are written as; the renderer's version.

No image library here: the preset verbs and the recipe bookkeeping check detail kinds and render keys, and
loading OpenCV and numpy for that cost each ``lookbook presets ...`` command most of its start (issue 18).
:mod:`lookbook.photos.crop` (the geometry that places the crops) and :mod:`lookbook.photos.render` import these names
from here. The categories whose cleanup differs (:func:`cleanup_class`) are here too, for the same reason: the render
key names their class.
"""

from __future__ import annotations

#: Bump when renders of the same recipe would come out visibly different (2: guided-filter edges;
#: 3: white balance only from neutral evidence, exposure on lightness only; 4: hangers taken out
#: of the cut-out, detail crops of every kind for the category to pick from; 5: detail crops nearer their
#: edge, a long leg's hem on its end, crops that would be mostly background left out; 6: a clip hanger's
#: clips and a hook on a stem above the collar cut out of the hero; 7: on trousers, shorts and skirts, a
#: clip hanger standing above the waistband's straight top edge cut out; 8: a segmenter box's top no longer
#: reaches up to a hanger's hook where another method's box stops at the garment, which frames the hero, and a
#: clip hanger above a slanted waistband is cut too, its line ending up to 0.17 of the height below the top;
#: 9: a box's side no longer runs out along a thin sliver of mask beside the garment, a door's edge or a strap;
#: 10: a segmenter box's sides lie where its soft mask crosses one half, between working pixels;
#: 11: the collar crop lies further down from the top edge, below a hood or a stand-up collar; a vest's cuff crop
#: on its armhole's outer edge at the shoulder, a sleeve's end lying against the body found further out more often;
#: 12: where the colour pass is sure, a segmenter box inside its box that leaves off a shadow or a strip beside the
#: garment frames the hero instead, and a side it ran out to the frame's edge along a rug or furniture stops where
#: the segmenter and the rectangle GrabCut see the garment end;
#: 13: where the colour pass is sure and the segmenter's box agrees with its box at IoU 0.85 or more and
#: one of its sides lies 2 working px or more inside, its sides frame the hero (a shadow under a sole or a
#: hem, a strip of wall left out; the colour mask stays, clipped to them).
#: 14: a segmenter box's top is lowered by more than 0.15 of its height only over a thin thing (a hanger's hook),
#: so a hood or a standing collar the colour pass lost against the wall stays in the hero, and over such a thin thing
#: it is lowered where another box agrees on the other sides within 10 working px, not only 3 (h-boxes13).
#: 15: a segmenter box over which its map is half-sure (over 0.2 of the box between 0.1 and 0.9: stripes, a large
#: print) and that parts from the classical box gives way to the classical box and mask (h-boxes16).
#: 18: under a hood standing above the shoulders the collar crop goes down to the neck, where the silhouette first
#: spans half the garment's width, instead of showing the hood's crown (h-outdet19).
#: 19: a bay of the backdrop's colour joined to the outside of the mask (floor between two legs or sandals,
#: the wall in a hung top's neck) is taken out of it on a garment unlike the backdrop (h-bays19).
#: 20: on shorts, trousers, skirts and shoes a narrow wedge of the floor between two legs or two shoes, within the
#: colour pass's threshold of the floor, is taken out of the mask too (h-floor20).
#: 21: a pocket of the backdrop closed inside the mask between a sleeve and the body (the sheet the segmenter
#: rounded over) is taken out of it, where the fabric around it is unlike it (h-gaps20).
#: 22: on shoes, a colour box the segmenter's box sits within at IoU under 0.9 gives way to the segmenter's box and
#: mask, so the floor's shadow or carpet the colour pass took in around the pair leaves the hero (h-segbox22).
#: Also 22: the floor's wedges between shoes with floor-coloured insoles are taken out (h-floor22).
#: Also 22: nothing is cut off a hat as hanger (no peel, no bar, no bar inside the neck): it took crowns' tops
#: (h-keep22).
#: Also 22: where the rectangle GrabCut's box was kept only by itself, a segmenter box the cheap pass confirms is no
#: part of it (trousers boxed with their clothes rail, h-box22).
#: Also 22: a segmenter box's left or right moves out to a sleeve the colour pass and the rectangle GrabCut both
#: reach, and that sleeve joins the cut-out (h-box22-sleeves, h-sleeves23).
#: 23: a strip of the floor closed inside a pair of shoes' cut-out is taken out (h-floor23).
#: 24: a slit of the backdrop 1-2 px wide at the working size between a sleeve and the body is taken out, seen at
#: the photo's own resolution (h-strips23).
#: Also 24: nothing is cut off shoes as hanger but a hand reaching in from above (h-keepshoes23).
#: 25: such a slit in the garment's shadow (the backdrop's hue, darker) is taken out too, on a coloured backdrop
#: (h-gaps24).
#: Also 25: a sure colour box one side wider than the segmenter's, by a strip unlike the garment (a lit floor beside
#: leggings, a door beside a dress), takes the segmenter's box, which frames the hero (h-box24).
#: 26: floor or sheet wedges open to the outside beside a top's body, off its centre line, are cut as on shoes and
#: trousers (h-tops25).
#: 27: the floor or sheet in a top's sleeve-body gap that h-gapfloor26 flagged is cut where it is sure to be floor
#: (h-gapcut27).
#: 28: the hanger peel leaves a T-shirt's or long sleeve's own printed yoke or contrast collar (h-peel27).
#: 29 (session 16): a floor wedge kept where a pair of trousers' legs meet, which the segmenter doubts and whose
#: chroma is the floor's beside it, is cut (h-wedge30); a sleeve the segmenter lost whose hue a strongly coloured
#: sheet tinted joins the box and cut-out (h-box30); backdrop the segmenter doubts beside a top's sleeve or shoulder
#: is cut (h-side30).
#: 30 (session 17): the tape or label inside a top's back neck is no longer cut as a hanger's bar when no hanger is
#: seen (h-tape32); h-side30's doubted backdrop pieces beside a top's sleeve are cut from 20 working px, not 60
#: (h-rug32: carpet in a fleece's sleeve-body gaps).
RENDERER_VERSION = 30

#: Every detail crop the renderer can make, in the order they are shown.
DETAIL_KINDS = ("collar", "neckline", "waistband", "cuff", "hem")
#: Kinds placed at the garment's top edge (the rest at a sleeve's or the garment's end).
TOP_KINDS = ("collar", "neckline", "waistband")

#: The details each product category gets by default (categories as in the catalog; the
#: photo library's folder names "outwear" and "pants" are accepted as their synonyms).
CATEGORY_DETAILS: dict[str, tuple[str, ...]] = {
    "shirt": ("collar", "cuff"),
    "longsleeve": ("collar", "cuff"),
    "outerwear": ("collar", "cuff"),
    "trousers": ("waistband", "hem"),
    "shorts": ("waistband", "hem"),
    "skirt": ("waistband", "hem"),
    "dress": ("neckline", "hem"),
    "t-shirt": ("neckline", "hem"),
    "shoes": (),
    "hat": (),
}
#: Categories with two legs, whose hem is a leg's end.
LEGGED = ("trousers", "shorts")
#: The render (file) kind of a legged garment's hem: one leg's end rather than the middle of the
#: lowest rows (which for trousers is the gap between the legs). Shown as "hem".
LEG_HEM = "hem-leg"
_SYNONYMS = {"outwear": "outerwear", "pants": "trousers", "jeans": "trousers", "tshirt": "t-shirt",
             "t shirt": "t-shirt", "tee": "t-shirt", "hats": "hat", "shoe": "shoes", "skirts": "skirt",
             "dresses": "dress", "shirts": "shirt"}

#: Categories a hand is looked for on: small things held up to the camera (:mod:`lookbook.photos.cleanup`).
HELD_CATEGORIES = ("hat", "shoes")
#: Garments whose top is a waistband: a straight edge a clip hanger grips from above (issue 12, h-hangers6; the
#: cleanup cuts what stands above it).
WAIST_CATEGORIES = ("trousers", "shorts", "skirt")
#: The cleanup class of each category whose cleanup differs from the rest (the two lists above, which
#: :mod:`lookbook.photos.cleanup` gates its rules on: kept here, with no image library, because the render key
#: names the class and the preset verbs must not load OpenCV to compute it). A hat has a class of its own since
#: h-keep22: nothing is cut off it as hanger, while shoes still go through the hanger cut (a shot retied from a hat
#: to shoes is rendered again).
CLEANUP_CLASSES: dict[str, str] = {**{c: "held" for c in HELD_CATEGORIES}, "hat": "hat",
                                   **{c: "waistband" for c in WAIST_CATEGORIES}}


def normalise_category(category: str | None) -> str | None:
    """Return the catalog's name for ``category`` (case and synonyms folded), ``None`` if empty."""
    if category is None or not str(category).strip():
        return None
    name = " ".join(str(category).strip().casefold().split())
    return _SYNONYMS.get(name, name)


def cleanup_class(category: str | None) -> str | None:
    """Return the cleanup class of ``category`` (``"hat"``, ``"held"``, ``"waistband"``); ``None``: the default."""
    return CLEANUP_CLASSES.get(normalise_category(category) or "")


def detail_kinds(category: str | None, wanted: str = "auto") -> tuple[str, ...]:
    """Return the detail crops to make for a garment of ``category``.

    :param category: the product's category; ``None`` when the photo is not tied to a product.
    :param wanted: the preset's ``details`` setting: ``"auto"`` (by category), ``"none"``, or
        kinds separated by commas (e.g. ``"collar,cuff"``), made whatever the category.
    """
    if wanted == "none":
        return ()
    if wanted != "auto":
        return tuple(k.strip() for k in wanted.split(",") if k.strip())
    return CATEGORY_DETAILS.get(normalise_category(category) or "", ())


def file_kind(kind: str, category: str | None) -> str:
    """Return the render (file) kind that shows detail ``kind`` of a garment of ``category``."""
    return LEG_HEM if kind == "hem" and normalise_category(category) in LEGGED else kind


def rendered_kinds(wanted: str = "auto") -> tuple[str, ...]:
    """Return the render (file) kinds to make for the preset setting ``wanted`` (see :func:`detail_kinds`).

    Every kind when the category decides ("auto"), a hem both in the middle and on a leg:
    renders are made before a photo is tied to a product and do not change when it is, so what
    is shown is picked by category afterwards (:func:`lookbook.photos.recipes.shown_details`).
    """
    kinds = DETAIL_KINDS if wanted == "auto" else detail_kinds(None, wanted)
    return kinds + ((LEG_HEM,) if "hem" in kinds else ())
