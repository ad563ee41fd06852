// Progressive enhancement of the « carte » champ (templates/partials/champ_carte.hbs).
//
// Without this file (or without the vendored libraries) the champ takes
// positions typed one per line, or GeoJSON, and the form works as is.
// With it, the typed positions are removed and each textarea[data-carte]
// gets a Leaflet map with Leaflet-Geoman's drawing tools above it; every
// change of the drawing is written back into the textarea (which stays the
// form's field), and the area and length of what is drawn are shown live.
// A visible toggle shows the textarea again, for keyboard users and for
// pasting GeoJSON; editing it redraws the map.
//
// No inline script or style (the CSP forbids them): the libraries and their
// stylesheets are loaded from /static/vendor/ by this file, once per page,
// only when a carte champ is present.
(function () {
  "use strict";
  if (window.guichetCarte) {
    return; // The partial includes this file once per champ.
  }
  window.guichetCarte = true;

  var VENDOR = "/static/vendor/";
  var FRANCE = [[41.3, -5.2], [51.1, 9.6]];
  var PRECISION = 7; // Decimals kept, as the plugin stores them (about 1 cm).
  var RAYON_AUTHALIQUE = 6371007.181;
  var RAYON_MOYEN = 6371008.771;
  // As the plugin writes them (plugins/carte/src/francais.rs): four digits
  // are not grouped, groups are split by a no-break space.
  var nombre = function (valeur, decimales) {
    return new Intl.NumberFormat("fr-FR", { maximumFractionDigits: decimales, useGrouping: "min2" })
      .format(valeur).replace(/\u202f/g, "\u00a0");
  };

  // --- Measures: the plugin's algorithms (plugins/carte/src/mesure.rs) ------

  var rad = function (d) { return d * Math.PI / 180; };

  // Spherical excess (Chamberlain and Duquette), on a closed ring of [lon, lat].
  function aireAnneau(ring) {
    var n = ring.length - 1;
    if (n < 3) { return 0; }
    var somme = 0;
    for (var i = 0; i < n; i++) {
      var avant = ring[(i + n - 1) % n], apres = ring[(i + 1) % n];
      somme += rad(apres[0] - avant[0]) * Math.sin(rad(ring[i][1]));
    }
    return Math.abs(somme * RAYON_AUTHALIQUE * RAYON_AUTHALIQUE / 2);
  }

  function airePolygone(rings) {
    var aire = rings.length ? aireAnneau(rings[0]) : 0;
    for (var i = 1; i < rings.length; i++) { aire -= aireAnneau(rings[i]); }
    return Math.max(aire, 0);
  }

  function distance(a, b) {
    var p1 = rad(a[1]), p2 = rad(b[1]);
    var h = Math.pow(Math.sin((p2 - p1) / 2), 2) +
      Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(rad(b[0] - a[0]) / 2), 2);
    return 2 * RAYON_MOYEN * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function longueurLigne(line) {
    var total = 0;
    for (var i = 1; i < line.length; i++) { total += distance(line[i - 1], line[i]); }
    return total;
  }

  function surface(m2) {
    if (m2 >= 10000) { return nombre(m2 / 10000, 2) + "\u00a0ha"; }
    return nombre(m2, m2 >= 10 ? 0 : 1) + "\u00a0m²";
  }

  function longueur(m) {
    if (m >= 1000) { return nombre(m / 1000, 2) + "\u00a0km"; }
    return nombre(m, m >= 10 ? 0 : 1) + "\u00a0m";
  }

  // « Polygone : 1,25 ha ; Ligne : 350 m ; Point », as the plugin's display.
  function mesures(features) {
    return features.map(function (f) {
      var g = f.geometry, c = g.coordinates;
      switch (g.type) {
        case "Polygon": return "Polygone : " + surface(airePolygone(c));
        case "MultiPolygon":
          return "Polygone en " + c.length + " parties : " +
            surface(c.reduce(function (s, p) { return s + airePolygone(p); }, 0));
        case "LineString": return "Ligne : " + longueur(longueurLigne(c));
        case "MultiLineString":
          return "Ligne en " + c.length + " parties : " +
            longueur(c.reduce(function (s, l) { return s + longueurLigne(l); }, 0));
        case "Point": return "Point";
        case "MultiPoint": return c.length + " points";
        default: return g.type;
      }
    }).join(" ; ");
  }

  // --- French texts -----------------------------------------------------------

  // Geoman's own French misses some texts (they fall back to English) and
  // speaks of « calques »: our usagers draw « géométries ».
  var TEXTES_GEOMAN = {
    tooltips: {
      placeMarker: "Cliquez pour placer un point",
      placeMarkerTouch: "Touchez la carte pour placer un point",
      firstVertex: "Cliquez pour placer le premier sommet",
      continueLine: "Cliquez pour continuer le tracé",
      finishLine: "Cliquez sur le dernier sommet pour terminer",
      finishPoly: "Cliquez sur le premier sommet pour terminer",
      finishRect: "Cliquez pour terminer",
      startCircle: "Cliquez pour placer le centre du cercle",
      finishCircle: "Cliquez pour terminer le cercle",
      placeCircleMarker: "Cliquez pour placer le cercle",
      placeText: "Cliquez pour placer le texte",
      selectFirstLayerFor: "Choisissez la première géométrie pour {action}",
      selectSecondLayerFor: "Choisissez la seconde géométrie pour {action}"
    },
    actions: {
      finish: "Terminer",
      cancel: "Annuler",
      removeLastVertex: "Retirer le dernier sommet"
    },
    buttonTitles: {
      drawMarkerButton: "Placer un point",
      drawPolyButton: "Dessiner un polygone",
      drawLineButton: "Dessiner une ligne",
      drawCircleButton: "Dessiner un cercle",
      drawRectButton: "Dessiner un rectangle",
      editButton: "Modifier les géométries",
      dragButton: "Déplacer les géométries",
      cutButton: "Découper un polygone",
      deleteButton: "Supprimer des géométries",
      drawCircleMarkerButton: "Placer un cercle",
      snappingButton: "Aimanter aux autres géométries",
      pinningButton: "Lier les sommets partagés",
      rotateButton: "Faire pivoter les géométries",
      drawTextButton: "Placer un texte",
      scaleButton: "Redimensionner les géométries",
      autoTracingButton: "Tracé automatique",
      snapGuidesButton: "Afficher les guides",
      unionButton: "Réunir des géométries",
      differenceButton: "Soustraire des géométries"
    },
    measurements: {
      totalLength: "Longueur",
      segmentLength: "Longueur du segment",
      area: "Surface",
      radius: "Rayon",
      perimeter: "Périmètre",
      height: "Hauteur",
      width: "Largeur",
      coordinates: "Position",
      coordinatesMarker: "Position du point"
    }
  };

  // Geoman puts a tool's name in a `title` on the box around its link, so
  // the link itself has no accessible name: screen readers announce « lien »
  // and nothing else. The name goes onto the link.
  function nommerOutils(carteEl) {
    var liens = carteEl.querySelectorAll(".leaflet-pm-toolbar a.leaflet-buttons-control-button");
    Array.prototype.forEach.call(liens, function (lien) {
      var porteur = lien.closest("[title]") || lien.querySelector("[title]");
      var nom = porteur ? porteur.getAttribute("title") : "";
      if (nom) {
        lien.setAttribute("aria-label", nom);
        lien.setAttribute("title", nom);
      }
    });
  }

  // --- Loading the libraries ------------------------------------------------

  function feuille(href) {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  function script(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  function chargerBibliotheques() {
    if (window.L && window.L.PM) { return Promise.resolve(); }
    feuille(VENDOR + "leaflet/leaflet.css");
    feuille(VENDOR + "leaflet-geoman/leaflet-geoman.css");
    feuille("/static/carte.css");
    return script(VENDOR + "leaflet/leaflet.js").then(function () {
      return script(VENDOR + "leaflet-geoman/leaflet-geoman.min.js");
    });
  }

  // --- One champ --------------------------------------------------------------

  function lireGeoJSON(texte) {
    texte = texte.trim();
    if (!texte) { return []; }
    var racine = JSON.parse(texte);
    if (racine.type === "FeatureCollection") { return racine.features || []; }
    if (racine.type === "Feature") { return [racine]; }
    return [{ type: "Feature", geometry: racine, properties: {} }];
  }

  function initialiser(textarea, index) {
    var L = window.L;
    var champ = textarea.closest(".guichet-carte-champ") || textarea.parentNode;
    // With a map, the positions typed by hand are not needed: removed, so
    // that the form does not post them over the drawing.
    var sansScript = champ.querySelector("[data-carte-sans-script]");
    if (sansScript) { sansScript.parentNode.removeChild(sansScript); }
    // The GeoJSON (label and textarea) leaves its « Importer » disclosure:
    // it is the field the map writes, shown by the toggle below.
    var saisie = textarea.closest(".fr-input-group") || textarea;
    var importer = champ.querySelector("[data-carte-import]");
    if (importer) { importer.parentNode.replaceChild(saisie, importer); }
    // The `geometries` option as set ("Lignes et polygones"…), empty for all.
    var genres = (textarea.dataset.geometries || "points lignes polygones").toLowerCase();
    var max = parseInt(textarea.dataset.max, 10) || 50;
    var id = textarea.id || "carte-" + index;

    var bloc = document.createElement("div");
    bloc.className = "guichet-carte";
    var consigne = document.createElement("p");
    consigne.className = "fr-hint-text";
    consigne.textContent = "Dessinez sur la carte les points, lignes ou surfaces demandés.";
    var carteEl = document.createElement("div");
    carteEl.className = "guichet-carte__carte";
    carteEl.id = id + "-carte";
    carteEl.setAttribute("role", "region");
    var legende = champ.querySelector("legend") || champ.querySelector("label");
    carteEl.setAttribute("aria-label", "Carte" + (legende ? " : " + legende.textContent.trim().split("\n")[0] : ""));
    var etat = document.createElement("p");
    etat.className = "guichet-carte__mesures fr-text--sm";
    etat.id = id + "-mesures";
    etat.setAttribute("aria-live", "polite");
    var bascule = document.createElement("button");
    bascule.type = "button";
    bascule.className = "fr-btn fr-btn--tertiary fr-btn--sm guichet-carte__bascule";
    bascule.textContent = "Saisir les coordonnées au format GeoJSON";
    bascule.setAttribute("aria-controls", textarea.id);
    bloc.appendChild(consigne);
    bloc.appendChild(carteEl);
    bloc.appendChild(etat);
    bloc.appendChild(bascule);
    saisie.parentNode.insertBefore(bloc, saisie);

    // The GeoJSON stays the field; hidden behind the toggle unless the
    // server refused its content (then its error must be seen with it).
    var enErreur = textarea.getAttribute("aria-invalid") === "true";
    function montrer(visible) {
      saisie.hidden = !visible;
      bascule.setAttribute("aria-expanded", visible ? "true" : "false");
    }
    montrer(enErreur);
    bascule.addEventListener("click", function () {
      montrer(saisie.hidden);
      if (!saisie.hidden) { textarea.focus(); }
    });

    // A drawn point is an image whose text Leaflet sets to « Marker ».
    L.Marker.mergeOptions({ alt: "Point dessiné" });
    // Leaflet's own zoom buttons are titled in English: ours, in French.
    var map = L.map(carteEl, { zoomSnap: 0.5, keyboard: true, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    if (textarea.dataset.tuiles) {
      // Leaflet writes the attribution as HTML: the operator's text is
      // escaped so that it can only ever be text.
      var credit = (textarea.dataset.attribution || "").replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
      });
      L.tileLayer(textarea.dataset.tuiles, { maxZoom: 20, attribution: credit }).addTo(map);
    } else {
      carteEl.classList.add("guichet-carte__carte--sans-fond");
    }
    map.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(map);
    map.pm.setLang("guichet", TEXTES_GEOMAN, "fr");
    var dessin = L.featureGroup().addTo(map);
    map.pm.setGlobalOptions({ layerGroup: dessin, allowSelfIntersection: false, snappable: true });
    var polygones = genres.indexOf("polygone") >= 0;
    map.pm.addControls({
      position: "topleft",
      drawMarker: genres.indexOf("point") >= 0,
      drawPolyline: genres.indexOf("ligne") >= 0,
      drawPolygon: polygones,
      drawRectangle: polygones,
      cutPolygon: polygones,
      drawCircle: false,
      drawCircleMarker: false,
      drawText: false,
      rotateMode: false
    });
    nommerOutils(carteEl);

    function couches() {
      return map.pm.getGeomanLayers().filter(function (l) {
        return (l instanceof L.Marker || l instanceof L.Polyline) && !(l instanceof L.Circle);
      });
    }

    function features() {
      return couches().map(function (l) {
        var f = l.toGeoJSON(PRECISION);
        f.properties = f.properties && typeof f.properties.description === "string"
          ? { description: f.properties.description } : {};
        return f;
      });
    }

    function annoncer(texte) {
      etat.textContent = texte;
    }

    function mettreAJourMesures() {
      var fs = features();
      annoncer(fs.length ? mesures(fs) : "Aucune géométrie dessinée.");
    }

    // Map → textarea, after every change of the drawing.
    function ecrire() {
      var fs = features();
      textarea.value = fs.length ? JSON.stringify({ type: "FeatureCollection", features: fs }) : "";
      mettreAJourMesures();
    }

    function suivre(layer) {
      layer.on("pm:edit pm:dragend pm:cut", ecrire);
    }

    // Textarea → map, when the usager edited the GeoJSON by hand.
    function dessiner(cadrer) {
      dessin.clearLayers();
      var fs;
      try {
        fs = lireGeoJSON(textarea.value);
      } catch (e) {
        annoncer("Le GeoJSON saisi ne peut pas être affiché sur la carte : il n'est pas valide.");
        return;
      }
      try {
        L.geoJSON({ type: "FeatureCollection", features: fs }, {
          onEachFeature: function (feature, layer) {
            layer.feature = feature;
          }
        }).eachLayer(function (layer) {
          (layer.getLayers ? layer.getLayers() : [layer]).forEach(function (l) {
            l.feature = l.feature || layer.feature;
            dessin.addLayer(l);
            suivre(l);
          });
        });
      } catch (e) {
        annoncer("Le GeoJSON saisi ne peut pas être affiché sur la carte : ses coordonnées sont mal formées.");
        return;
      }
      if (cadrer) {
        var bornes = dessin.getBounds();
        if (bornes.isValid()) {
          map.fitBounds(bornes, { maxZoom: 18, padding: [20, 20] });
        } else {
          map.fitBounds(FRANCE);
        }
      }
      mettreAJourMesures();
    }

    map.on("pm:create", function (e) {
      suivre(e.layer);
      if (couches().length > max) {
        dessin.removeLayer(e.layer);
        map.removeLayer(e.layer);
        annoncer("Ce champ accepte au plus " + max + " géométrie" + (max > 1 ? "s" : "") + ".");
        return;
      }
      ecrire();
    });
    map.on("pm:remove pm:cut", ecrire);
    textarea.addEventListener("change", function () { dessiner(true); });

    dessiner(true);
  }

  // --- A read-only map (dossier pages) -----------------------------------------

  // The page lists the shapes in words; the map only shows them. It takes
  // no focus and no input (hidden from assistive technologies, which get
  // the list), so it never traps a keyboard.
  function afficher(el) {
    var L = window.L;
    var fs;
    try {
      fs = lireGeoJSON(el.dataset.carteLecture || "");
    } catch (e) {
      return;
    }
    el.classList.add("guichet-carte__carte", "guichet-carte__carte--sans-fond");
    var map = L.map(el, {
      zoomControl: false, attributionControl: false, keyboard: false, dragging: false,
      scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false, touchZoom: false
    });
    var couche = L.geoJSON({ type: "FeatureCollection", features: fs }, {
      interactive: false,
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6, interactive: false }); }
    }).addTo(map);
    var bornes = couche.getBounds();
    if (bornes.isValid()) {
      map.fitBounds(bornes, { maxZoom: 18, padding: [20, 20] });
    } else {
      map.fitBounds(FRANCE);
    }
  }

  function demarrer() {
    var champs = document.querySelectorAll("textarea[data-carte]");
    var lectures = document.querySelectorAll("[data-carte-lecture]");
    if (!champs.length && !lectures.length) { return; }
    chargerBibliotheques().then(function () {
      Array.prototype.forEach.call(champs, initialiser);
      Array.prototype.forEach.call(lectures, afficher);
    }).catch(function () {
      // Libraries missing: the textareas stay as they are, and work; the
      // dossier pages keep their list of shapes.
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", demarrer);
  } else {
    demarrer();
  }
})();
