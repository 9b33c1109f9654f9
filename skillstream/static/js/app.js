// SkillStream: the menu button, and direct-to-storage uploads with a presigned POST.
(function () {
  "use strict";

  function setupMenu() {
    var button = document.querySelector("[data-menu-button]");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function postToStorage(signed, file, onProgress) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(signed.fields).forEach(function (name) { data.append(name, signed.fields[name]); });
      data.append("file", file); // the file must be the last field of an S3 POST
      var xhr = new XMLHttpRequest();
      xhr.open("POST", signed.url);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else reject(new Error("Storage refused the file (HTTP " + xhr.status + ")."));
      };
      xhr.onerror = function () { reject(new Error("The upload was interrupted. Please try again.")); };
      xhr.send(data);
    });
  }

  // The first bytes of a video container (the server checks again, more closely).
  function looksLikeVideo(bytes) {
    function ascii(from, to) { return String.fromCharCode.apply(null, bytes.slice(from, to)); }
    if (bytes.length >= 12 && ascii(4, 8) === "ftyp") {
      return !/^(M4A|M4B|M4P|heic|heix|mif1|avif)/.test(ascii(8, 12)); // audio and still images
    }
    if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return true;
    return ascii(0, 4) === "OggS";
  }

  function checkVideoFile(file) {
    return file.slice(0, 16).arrayBuffer().then(function (buffer) {
      if (!looksLikeVideo(new Uint8Array(buffer))) {
        throw new Error("“" + file.name + "” is not a video file: its contents are not " +
          "MP4, WebM, Ogg or MOV, whatever its name says. Choose a video file.");
      }
    });
  }

  // Errors about the file go right under the file field, as an alert, not as help text.
  function fileErrorShower(fileInput) {
    var field = fileInput.closest(".field") || fileInput.parentNode;
    return function (message) {
      var alert = field.querySelector("[data-file-error]");
      if (!message) {
        if (alert) alert.remove();
        field.classList.remove("has-error");
        return;
      }
      if (!alert) {
        alert = document.createElement("p");
        alert.className = "field-alert";
        alert.setAttribute("role", "alert");
        alert.setAttribute("data-file-error", "");
        fileInput.insertAdjacentElement("afterend", alert);
      }
      alert.textContent = message;
      field.classList.add("has-error");
    };
  }

  function setupDirectUpload() {
    var form = document.querySelector("form[data-direct-upload]");
    if (!form) return;
    var fileInput = form.querySelector("input[type=file][name=video_file]");
    var tokenInput = form.querySelector("input[name=upload_token]");
    var status = form.querySelector("[data-upload-status]");
    var progress = form.querySelector("[data-progress]");
    var bar = form.querySelector("[data-progress-bar]");
    var submit = form.querySelector("button[type=submit]");
    var showFileError = fileErrorShower(fileInput);
    fileInput.addEventListener("change", function () {
      showFileError("");
      if (fileInput.files[0]) checkVideoFile(fileInput.files[0]).catch(function (error) { showFileError(error.message); });
    });
    form.addEventListener("submit", function (event) {
      if (tokenInput.value) return; // already uploaded: send the details
      event.preventDefault();
      var file = fileInput.files[0];
      if (!file) { showFileError("Choose a video file first."); fileInput.focus(); return; }
      showFileError("");
      submit.disabled = true;
      status.textContent = "Checking the file…";
      checkVideoFile(file).then(function () {
        status.textContent = "Preparing upload…";
        return fetch(form.dataset.signUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
          body: JSON.stringify({ filename: file.name, content_type: file.type, size: file.size })
        });
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || "Upload refused.");
          return body;
        });
      }).then(function (signed) {
        progress.hidden = false;
        status.textContent = "Uploading…";
        return postToStorage(signed, file, function (fraction) {
          bar.style.width = Math.round(fraction * 100) + "%";
        }).then(function () { return signed; });
      }).then(function (signed) {
        tokenInput.value = signed.token;
        fileInput.value = ""; // the file is in storage: do not send it through the app
        status.textContent = "Uploaded. Saving details…";
        form.submit();
      }).catch(function (error) {
        status.textContent = "";
        progress.hidden = true;
        showFileError(error.message);
        fileInput.focus();
        submit.disabled = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupDirectUpload();
  });
})();
