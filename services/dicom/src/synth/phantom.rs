//! The phantom image of one view: breast outline (CC half-ellipse; MLO with the pectoral
//! muscle), fibroglandular texture by density, and the lesions projected consistently onto
//! CC and MLO of the same side.
//!
//! Image layout follows the usual hanging: chest wall at the left edge for left-breast views
//! (PatientOrientation A\R, A\F) and at the right edge for right-breast views (P\L, P\F); on
//! CC views lateral is at the top, on MLO views superior is at the top.

use super::truth::{ExamLabels, Lesion, LesionKind, MassMargin, MassShape};
use mammoflow_domain::{Density, Laterality, Projection, View};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::f32::consts::TAU;

/// A rendered view, values in `0..=max_value` (MONOCHROME2: brighter = denser).
#[derive(Debug, Clone, PartialEq)]
pub struct PhantomImage {
    pub rows: u16,
    pub cols: u16,
    pub pixels: Vec<u16>,
    pub max_value: u16,
    /// Where each localised lesion drawn on this view changed the image: the lesion's index in
    /// `ExamLabels::lesions` and its box. Diffuse findings have none.
    pub lesion_boxes: Vec<(usize, PixelBox)>,
}

/// Pixel box `[left, right) x [top, bottom)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelBox {
    pub left: u16,
    pub top: u16,
    pub right: u16,
    pub bottom: u16,
}

/// A lesion layer value below this is not counted in its box (the soft tails of a blurred edge).
const VISIBLE: f32 = 0.01;

/// Breast outline in pixels, measured from the chest wall (`xc`) and from the top (`y`).
#[derive(Debug, Clone, Copy)]
struct Outline {
    depth: f32,
    half_height: f32,
    center_y: f32,
    pectoral: Option<(f32, f32)>,
}

impl Outline {
    fn new(rng: &mut ChaCha8Rng, view: View, w: f32, h: f32, size: f32) -> Outline {
        match view.projection() {
            Projection::Cc => Outline {
                depth: w * (0.62 + 0.25 * size),
                half_height: h * (0.33 + 0.10 * size),
                center_y: h * rng.random_range(0.47..0.53),
                pectoral: None,
            },
            Projection::Mlo => Outline {
                depth: w * (0.66 + 0.24 * size),
                half_height: h * (0.47 + 0.06 * size),
                center_y: h * rng.random_range(0.46..0.52),
                pectoral: Some((w * rng.random_range(0.22..0.34), h * rng.random_range(0.45..0.62))),
            },
        }
    }

    /// Normalised radius: 0 at the chest-wall centre, 1 on the skin line.
    fn radius(&self, xc: f32, y: f32) -> f32 {
        ((xc / self.depth).powi(2) + ((y - self.center_y) / self.half_height).powi(2)).sqrt()
    }

    fn in_pectoral(&self, xc: f32, y: f32) -> bool {
        self.pectoral.is_some_and(|(pw, ph)| y < ph && xc < pw * (1.0 - y / ph))
    }

    /// Pixel position (from chest wall, from top) of a lesion on this view.
    fn project(&self, lesion: &Lesion, projection: Projection) -> Option<(f32, f32)> {
        let p = lesion.position?;
        let (lateral, superior) = p.lateral_superior(lesion.side);
        let xc = (1.0 - p.depth) * self.depth * 0.9;
        let half = self.half_height * (1.0 - (xc / self.depth).powi(2)).max(0.05).sqrt() * 0.85;
        // On an MLO, lateral lesions project higher than their true height ("lead falls").
        let vertical = match projection {
            Projection::Cc => lateral,
            Projection::Mlo => ((superior + 0.5 * lateral) / 1.2).clamp(-1.0, 1.0),
        };
        Some((xc, self.center_y - vertical * half))
    }
}

/// Smooth value noise on a coarse lattice; several octaves give glandular texture.
struct Noise {
    grid: Vec<f32>,
    gw: usize,
    gh: usize,
    cell_x: f32,
    cell_y: f32,
}

impl Noise {
    fn new(rng: &mut ChaCha8Rng, w: f32, h: f32, cell_x: f32, cell_y: f32) -> Noise {
        let (gw, gh) = ((w / cell_x) as usize + 2, (h / cell_y) as usize + 2);
        Noise { grid: (0..gw * gh).map(|_| rng.random::<f32>()).collect(), gw, gh, cell_x, cell_y }
    }

    fn at(&self, x: f32, y: f32) -> f32 {
        let (fx, fy) = (x / self.cell_x, y / self.cell_y);
        let (ix, iy) = ((fx as usize).min(self.gw - 2), (fy as usize).min(self.gh - 2));
        let (tx, ty) = (smooth(fx - ix as f32), smooth(fy - iy as f32));
        let g = |i: usize, j: usize| self.grid[j * self.gw + i];
        let top = g(ix, iy) + (g(ix + 1, iy) - g(ix, iy)) * tx;
        let bottom = g(ix, iy + 1) + (g(ix + 1, iy + 1) - g(ix, iy + 1)) * tx;
        top + (bottom - top) * ty
    }
}

fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Cheap per-pixel hash noise in [-0.5, 0.5) (quantum mottle), deterministic per seed.
fn mottle(seed: u64, i: usize) -> f32 {
    let mut z = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z >> 40) as f32 / (1u64 << 24) as f32) - 0.5
}

/// Share of the breast covered by glandular tissue and its extra brightness, a–d.
fn gland_params(d: Density) -> (f32, f32) {
    match d {
        Density::A => (0.10, 0.10),
        Density::B => (0.32, 0.15),
        Density::C => (0.62, 0.21),
        Density::D => (0.88, 0.27),
    }
}

pub struct RenderSpec<'a> {
    pub view: View,
    pub rows: u16,
    pub cols: u16,
    pub bits_stored: u16,
    pub mm_per_pixel: f32,
    /// Breast size factor 0..1, shared by the views of one exam.
    pub breast_size: f32,
    pub labels: &'a ExamLabels,
}

pub fn render(rng: &mut ChaCha8Rng, spec: &RenderSpec) -> PhantomImage {
    let (w, h) = (f32::from(spec.cols), f32::from(spec.rows));
    let (cols, rows) = (usize::from(spec.cols), usize::from(spec.rows));
    let laterality = spec.view.laterality();
    let outline = Outline::new(rng, spec.view, w, h, spec.breast_size);
    let density = match laterality {
        Laterality::Right => spec.labels.density_right,
        Laterality::Left => spec.labels.density_left,
    };
    let (share, brightness) = gland_params(density);
    // Ducts and ligaments run from the chest wall to the nipple, so the texture is stretched
    // along the rows.
    let coarse = Noise::new(rng, w, h, w / 5.0, h / 9.0);
    let medium = Noise::new(rng, w, h, w / 14.0, h / 30.0);
    let fine = Noise::new(rng, 2.0 * (w + h), 2.0 * (w + h), w / 45.0, h / 90.0);
    let threshold = 0.5 + (0.5 - share) * 0.55;
    let mottle_seed = rng.random::<u64>();

    let mut img = vec![0f32; rows * cols];
    let mut inside = vec![false; rows * cols];
    for y in 0..rows {
        let yf = y as f32 + 0.5;
        for x in 0..cols {
            let xc = match laterality {
                Laterality::Left => x as f32 + 0.5,
                Laterality::Right => w - x as f32 - 0.5,
            };
            let i = y * cols + x;
            let r = outline.radius(xc, yf);
            let pectoral = outline.in_pectoral(xc, yf);
            let v = if pectoral {
                0.56 + 0.06 * medium.at(xc, yf) + 0.03 * fine.at(xc, yf)
            } else if r <= 1.0 {
                let thickness = (1.0 - r * r).sqrt();
                let skin = if r > 0.985 { 0.05 } else { 0.0 };
                // The fine octave is sampled on skewed axes so the lattice does not show.
                let (sx, sy) = (xc * 0.8 + yf * 0.6, yf * 0.8 - xc * 0.6 + h);
                let detail = fine.at(sx.abs(), sy.abs());
                let texture = 0.55 * coarse.at(xc, yf) + 0.3 * medium.at(xc, yf) + 0.15 * detail;
                // Glandular tissue concentrates centrally and thins out toward the skin.
                let central = (1.0 - r).clamp(0.0, 1.0);
                let g = smooth((texture + 0.35 * (central - 0.45) - threshold) / 0.22 + 0.5);
                0.20 + 0.12 * thickness + skin + brightness * g * (0.75 + 0.5 * detail) * thickness.sqrt()
            } else {
                0.03
            };
            inside[i] = pectoral || r <= 1.0;
            img[i] = v;
        }
    }

    let mut lesion_boxes = Vec::new();
    for (index, lesion) in spec.labels.lesions.iter().enumerate().filter(|(_, l)| l.side == laterality) {
        if let Some(b) = draw_lesion(rng, &mut img, &inside, &outline, spec, lesion) {
            lesion_boxes.push((index, b));
        }
    }

    let max_value = ((1u32 << spec.bits_stored) - 1) as u16;
    let scale = f32::from(max_value);
    let pixels = img
        .iter()
        .enumerate()
        .map(|(i, v)| ((v + 0.012 * mottle(mottle_seed, i)).clamp(0.0, 1.0) * scale) as u16)
        .collect();
    PhantomImage { rows: spec.rows, cols: spec.cols, pixels, max_value, lesion_boxes }
}

/// A lesion layer over its bounding box; shapes are max-blended so overlapping strokes do
/// not saturate, then the layer is added to the image inside the breast only.
struct Layer {
    x0: i64,
    y0: i64,
    w: i64,
    h: i64,
    v: Vec<f32>,
}

impl Layer {
    fn new(cx: f32, cy: f32, reach: f32) -> Layer {
        let (x0, y0) = ((cx - reach).floor() as i64, (cy - reach).floor() as i64);
        let side = (2.0 * reach).ceil() as i64 + 2;
        Layer { x0, y0, w: side, h: side, v: vec![0.0; (side * side) as usize] }
    }

    fn put(&mut self, x: i64, y: i64, value: f32) {
        let (lx, ly) = (x - self.x0, y - self.y0);
        if lx >= 0 && ly >= 0 && lx < self.w && ly < self.h {
            let cell = &mut self.v[(ly * self.w + lx) as usize];
            *cell = cell.max(value);
        }
    }

    /// Anti-aliased disc.
    fn disc(&mut self, cx: f32, cy: f32, radius: f32, value: f32) {
        let reach = radius.ceil() as i64 + 1;
        for y in (cy as i64 - reach)..=(cy as i64 + reach) {
            for x in (cx as i64 - reach)..=(cx as i64 + reach) {
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                let a = (radius + 0.5 - d).clamp(0.0, 1.0);
                if a > 0.0 {
                    self.put(x, y, value * a);
                }
            }
        }
    }

    /// A tapering line from (x, y) along `angle`.
    fn spoke(&mut self, x: f32, y: f32, angle: f32, length: f32, width: f32, value: f32) {
        let steps = (length * 2.0).ceil() as usize;
        for s in 0..steps {
            let t = s as f32 / steps as f32;
            let (px, py) = (x + angle.cos() * length * t, y + angle.sin() * length * t);
            self.disc(px, py, width * (1.0 - 0.6 * t), value * (1.0 - 0.7 * t));
        }
    }
}

/// Draws one lesion and returns the box where it changed the image (`None` for diffuse findings,
/// which are spread over the breast, and for lesions that fall outside it).
fn draw_lesion(rng: &mut ChaCha8Rng, img: &mut [f32], inside: &[bool], outline: &Outline, spec: &RenderSpec, lesion: &Lesion) -> Option<PixelBox> {
    let w = f32::from(spec.cols);
    let to_x = |xc: f32| match spec.view.laterality() {
        Laterality::Left => xc,
        Laterality::Right => w - xc,
    };
    let radius = (lesion.size_mm / 2.0 / spec.mm_per_pixel).max(2.0);
    let layer = match (lesion.kind, outline.project(lesion, spec.view.projection())) {
        (LesionKind::Calcifications { distribution: "diffuse", morphology }, _) => {
            let layer = diffuse_calcifications(rng, outline, spec, morphology);
            add_layer(img, inside, spec, layer);
            return None;
        }
        (_, None) => return None,
        (kind, Some((xc, y))) => {
            let (cx, cy) = (to_x(xc), y);
            match kind {
                LesionKind::Mass { shape, margin, fat_containing } => mass(rng, cx, cy, radius, shape, margin, fat_containing),
                LesionKind::IntramammaryLymphNode => mass(rng, cx, cy, radius, MassShape::Oval, MassMargin::Circumscribed, true),
                LesionKind::Calcifications { morphology, distribution } => {
                    grouped_calcifications(rng, cx, cy, radius, spec.mm_per_pixel, morphology, distribution)
                }
                LesionKind::Distortion => {
                    let mut layer = Layer::new(cx, cy, radius * 1.8);
                    for k in 0..rng.random_range(12..20) {
                        let angle = k as f32 * TAU / 16.0 + rng.random_range(-0.2..0.2);
                        layer.spoke(cx, cy, angle, radius * rng.random_range(0.9..1.7), 0.7, 0.10);
                    }
                    layer
                }
                LesionKind::FocalAsymmetry => {
                    let mut layer = Layer::new(cx, cy, radius * 1.6);
                    let texture = Noise::new(rng, 4.0 * radius, 4.0 * radius, radius / 2.0, radius / 3.0);
                    for y in layer.y0..layer.y0 + layer.h {
                        for x in layer.x0..layer.x0 + layer.w {
                            let d2 = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)) / (radius * radius);
                            let t = texture.at((x - layer.x0) as f32, (y - layer.y0) as f32);
                            layer.put(x, y, 0.10 * (-1.5 * d2).exp() * (0.5 + t));
                        }
                    }
                    layer
                }
            }
        }
    };
    add_layer(img, inside, spec, layer)
}

/// Adds a lesion layer to the image inside the breast; returns the box of the visible change.
fn add_layer(img: &mut [f32], inside: &[bool], spec: &RenderSpec, layer: Layer) -> Option<PixelBox> {
    let (cols, rows) = (i64::from(spec.cols), i64::from(spec.rows));
    let mut seen: Option<(i64, i64, i64, i64)> = None;
    for ly in 0..layer.h {
        for lx in 0..layer.w {
            let (x, y) = (layer.x0 + lx, layer.y0 + ly);
            if x < 0 || y < 0 || x >= cols || y >= rows {
                continue;
            }
            let i = (y * cols + x) as usize;
            let value = layer.v[(ly * layer.w + lx) as usize];
            if inside[i] {
                img[i] += value;
                if value > VISIBLE {
                    let (l, t, r, b) = seen.unwrap_or((x, y, x, y));
                    seen = Some((l.min(x), t.min(y), r.max(x), b.max(y)));
                }
            }
        }
    }
    // Coordinates are inside the image, whose sides are u16.
    seen.map(|(l, t, r, b)| PixelBox { left: l as u16, top: t as u16, right: r as u16 + 1, bottom: b as u16 + 1 })
}

fn mass(rng: &mut ChaCha8Rng, cx: f32, cy: f32, r: f32, shape: MassShape, margin: MassMargin, fat: bool) -> Layer {
    let ratio = match shape {
        MassShape::Round => rng.random_range(0.92..1.0),
        _ => rng.random_range(0.6..0.8),
    };
    let tilt = rng.random_range(0.0..TAU);
    // Irregular outlines: a few random harmonics; microlobulation: many small ones.
    let mut harmonics: Vec<(f32, f32, f32)> = Vec::new();
    if shape == MassShape::Irregular {
        harmonics.extend((3..7).map(|k| (k as f32, rng.random_range(0.05..0.14), rng.random_range(0.0..TAU))));
    }
    if margin == MassMargin::Microlobulated {
        harmonics.push((rng.random_range(11..16) as f32, 0.07, rng.random_range(0.0..TAU)));
    }
    let edge = match margin {
        MassMargin::Circumscribed | MassMargin::Microlobulated => 0.06,
        MassMargin::Obscured => 0.22,
        MassMargin::Spiculated => 0.18,
        MassMargin::Indistinct => 0.45,
    };
    let amplitude = rng.random_range(0.15..0.22);
    let mut layer = Layer::new(cx, cy, r * if margin == MassMargin::Spiculated { 3.2 } else { 1.6 });
    for y in layer.y0..layer.y0 + layer.h {
        for x in layer.x0..layer.x0 + layer.w {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let (u, v) = (dx * tilt.cos() + dy * tilt.sin(), -dx * tilt.sin() + dy * tilt.cos());
            let phi = v.atan2(u);
            let bump: f32 = harmonics.iter().map(|(k, a, p)| a * (k * phi + p).sin()).sum();
            let d = ((u / r).powi(2) + (v / (r * ratio)).powi(2)).sqrt() / (1.0 + bump);
            let alpha = smooth((1.0 + edge - d) / (2.0 * edge));
            let value = if fat {
                // Fat-containing (oil cyst, lymph-node hilum): lucent centre, thin dense rim.
                0.12 * alpha * (1.0 - smooth((0.8 - d) / 0.15)) + 0.03 * alpha
            } else {
                amplitude * alpha * (1.0 - 0.3 * d * d).max(0.0)
            };
            layer.put(x, y, value);
        }
    }
    if margin == MassMargin::Spiculated {
        for k in 0..rng.random_range(10..18) {
            let angle = k as f32 * TAU / 14.0 + rng.random_range(-0.2..0.2);
            layer.spoke(cx, cy, angle, r * rng.random_range(1.8..3.0), 0.8, amplitude * 0.7);
        }
    }
    layer
}

/// Smallest speck radius drawn, in pixels: finer specks are drawn this size, so at a pixel pitch
/// where two morphologies' specks are both below it, those morphologies look alike.
pub const MIN_SPECK_RADIUS_PX: f32 = 0.6;

/// Radius range (mm) of one speck of a calcification morphology (fine linear branching is drawn
/// as short lines instead).
pub fn speck_radius_mm(morphology: &str) -> (f32, f32) {
    match morphology {
        "coarse" | "coarse_heterogeneous" | "rim" => (0.4, 1.2),
        "round" => (0.3, 0.7),
        _ => (0.15, 0.4),
    }
}

fn speck_radius(rng: &mut ChaCha8Rng, mm: (f32, f32), mm_per_pixel: f32) -> f32 {
    (rng.random_range(mm.0..mm.1) / mm_per_pixel).max(MIN_SPECK_RADIUS_PX)
}

fn grouped_calcifications(rng: &mut ChaCha8Rng, cx: f32, cy: f32, r: f32, mmpp: f32, morphology: &str, distribution: &str) -> Layer {
    let mut layer = Layer::new(cx, cy, r * 1.3 + 3.0);
    let linear = matches!(distribution, "linear" | "segmental") || morphology == "fine_linear_branching";
    let axis = rng.random_range(0.0..TAU);
    let count = rng.random_range(6..22);
    for _ in 0..count {
        let (x, y) = if linear {
            let t = rng.random_range(-1.0f32..1.0) * r;
            let wobble = rng.random_range(-0.15f32..0.15) * r;
            (cx + axis.cos() * t - axis.sin() * wobble, cy + axis.sin() * t + axis.cos() * wobble)
        } else {
            let (a, d) = (rng.random_range(0.0..TAU), r * rng.random::<f32>().sqrt());
            (cx + a.cos() * d, cy + a.sin() * d)
        };
        let size = speck_radius_mm(morphology);
        let value = rng.random_range(0.45..0.7);
        if morphology == "fine_linear_branching" {
            let angle = axis + rng.random_range(-0.5..0.5);
            layer.spoke(x, y, angle, 3.0 / mmpp.max(0.05) * 0.3 + 2.0, 0.6, value);
        } else {
            layer.disc(x, y, speck_radius(rng, size, mmpp), value);
        }
    }
    layer
}

fn diffuse_calcifications(rng: &mut ChaCha8Rng, outline: &Outline, spec: &RenderSpec, morphology: &str) -> Layer {
    let (w, h) = (f32::from(spec.cols), f32::from(spec.rows));
    let mut layer = Layer::new(w / 2.0, h / 2.0, w.max(h) / 2.0 + 2.0);
    let to_x = |xc: f32| if spec.view.laterality() == Laterality::Left { xc } else { w - xc };
    for _ in 0..rng.random_range(4..10) {
        let (xc, y) = (
            rng.random_range(0.1..0.85) * outline.depth,
            outline.center_y + rng.random_range(-0.7..0.7) * outline.half_height,
        );
        if morphology == "vascular" {
            // Tram-track: two parallel curved lines along a vessel.
            let angle = rng.random_range(-0.6f32..0.6);
            let length = rng.random_range(0.15..0.3) * outline.depth;
            for offset in [-1.2f32, 1.2] {
                let (ox, oy) = (-angle.sin() * offset, angle.cos() * offset);
                layer.spoke(to_x(xc) + ox, y + oy, angle, length, 0.6, 0.35);
            }
        } else {
            layer.disc(to_x(xc), y, speck_radius(rng, (0.5, 1.5), spec.mm_per_pixel), 0.55);
        }
    }
    layer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::truth::sample_labels;
    use rand::SeedableRng;

    /// The recorded box must hold every pixel the lesion visibly changed: the same view is
    /// rendered from the same random stream with and without its lesions and compared.
    #[test]
    fn lesion_boxes_cover_exactly_where_the_lesions_changed_the_pixels() {
        let mut checked = 0;
        for seed in 0..40u64 {
            let labels = sample_labels(&mut ChaCha8Rng::seed_from_u64(seed), true);
            let localised = |l: &&Lesion| l.position.is_some() && !matches!(l.kind, LesionKind::Calcifications { distribution: "diffuse", .. });
            if labels.lesions.is_empty() || !labels.lesions.iter().all(|l| localised(&l)) {
                continue;
            }
            let blank = ExamLabels { lesions: Vec::new(), ..labels.clone() };
            for view in View::ALL {
                let spec = |labels| RenderSpec { view, rows: 208, cols: 160, bits_stored: 12, mm_per_pixel: 300.0 / 208.0, breast_size: 0.5, labels };
                let with = render(&mut ChaCha8Rng::seed_from_u64(seed), &spec(&labels));
                let without = render(&mut ChaCha8Rng::seed_from_u64(seed), &spec(&blank));
                let side_lesions = labels.lesions.iter().filter(|l| l.side == view.laterality()).count();
                assert_eq!(with.lesion_boxes.len(), side_lesions, "seed {seed} {view:?}: one box per lesion on this side");
                let threshold = (VISIBLE * f32::from(with.max_value)) as i32 + 2;
                let mut changed = 0;
                for (i, (a, b)) in with.pixels.iter().zip(&without.pixels).enumerate() {
                    if (i32::from(*a) - i32::from(*b)).abs() <= threshold {
                        continue;
                    }
                    changed += 1;
                    let (x, y) = ((i % 160) as u16, (i / 160) as u16);
                    let inside = with.lesion_boxes.iter().any(|(_, b)| (b.left..b.right).contains(&x) && (b.top..b.bottom).contains(&y));
                    assert!(inside, "seed {seed} {view:?}: pixel ({x}, {y}) changed outside every lesion box");
                }
                assert_eq!(changed > 0, side_lesions > 0, "seed {seed} {view:?}");
                checked += side_lesions;
            }
        }
        assert!(checked >= 10, "only {checked} lesion views checked");
    }
}
