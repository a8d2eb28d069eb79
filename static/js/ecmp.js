// ECMP's own behaviour, on top of htmx and Bootstrap. Everything here is an
// improvement: each page also works without JavaScript.
(function () {
  "use strict";

  // The file control (includes/ui.html, file_drop): the native input stays the form's
  // field, hidden; the drop zone's button opens the picker, dropped files are added,
  // and the chosen files are listed, each removable. The input's FileList cannot be
  // edited: it is rebuilt through a DataTransfer.
  function setFiles(input, files) {
    var chosen = new DataTransfer();
    files.forEach(function (file) { chosen.items.add(file); });
    input.files = chosen.files;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function listFiles(input) {
    var list = document.getElementById(input.id + "-chosen");
    if (!list) return;
    list.textContent = "";
    var files = Array.prototype.slice.call(input.files);
    files.forEach(function (file, index) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = file.name;
      item.appendChild(name);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-link p-0";
      remove.textContent = list.dataset.removeLabel || "Remove";
      remove.setAttribute("aria-label", remove.textContent + " " + file.name);
      remove.addEventListener("click", function () {
        setFiles(input, files.filter(function (other, at) { return at !== index; }));
        listFiles(input);
        var buttons = list.querySelectorAll("button");
        var next = buttons[Math.min(index, buttons.length - 1)];
        var picker = input.closest("[data-file-drop]").querySelector("[data-pick-files]");
        (next || picker).focus();
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function setUpDropZones(root) {
    root.querySelectorAll("[data-file-drop]").forEach(function (control) {
      if (control.dataset.ready) return;
      var input = control.querySelector("input[type=file]");
      var zone = control.querySelector("[data-drop-zone]");
      var pick = control.querySelector("[data-pick-files]");
      if (!input || !zone || !pick || typeof DataTransfer === "undefined") return;
      control.dataset.ready = "1";
      control.classList.add("file-drop-ready");
      input.tabIndex = -1;
      zone.hidden = false;
      // A <button>: Enter and Space open the picker as a click does.
      pick.addEventListener("click", function () { input.click(); });
      zone.addEventListener("click", function (event) {
        if (event.target === zone) input.click();
      });
      input.addEventListener("change", function () { listFiles(input); });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("drop-zone-over");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("drop-zone-over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        var files = Array.prototype.slice.call(input.files);
        Array.prototype.forEach.call(event.dataTransfer.files, function (f) { files.push(f); });
        setFiles(input, files);
        listFiles(input);
      });
      listFiles(input);  // files kept by the browser on a page reload
    });
  }

  // A field marked invalid by the server loses the mark and its message once it is
  // filled in again: the message no longer stands next to a corrected value.
  function clearInvalid(event) {
    var field = event.target;
    if (!field.classList || !field.classList.contains("is-invalid")) return;
    var filled = field.type === "file" ? field.files.length > 0
      : field.type === "checkbox" || field.type === "radio" ? true
      : String(field.value || "").trim() !== "";
    if (!filled) return;
    field.classList.remove("is-invalid");
    field.removeAttribute("aria-invalid");
    var message = field.id && document.getElementById(field.id + "-errors");
    if (message) message.remove();
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== field.id + "-errors";
    });
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
  }

  document.addEventListener("input", clearInvalid);
  document.addEventListener("change", clearInvalid);

  // A <select data-submit-on-change> sends its form when a choice is made (the
  // language switch); without JavaScript its form has a button instead.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-submit-on-change]") && field.form) {
      field.form.submit();
    }
  });

  // The composer's Activity: Billable follows the chosen activity's default
  // (the select lists the ids of those billable by default).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("select[data-billable-activities]")) return;
    var billable = document.getElementById("id_billable");
    if (billable) {
      billable.checked = field.dataset.billableActivities.split(" ").indexOf(field.value) !== -1;
    }
  });

  // The ticket page's timer: started, it counts on across page loads (kept in
  // localStorage under the ticket's number); stopped, it fills the time field.
  function timerKey(button) { return "ecmp-timer-" + button.dataset.timer; }

  function timerState(button) {
    try {
      return JSON.parse(window.localStorage.getItem(timerKey(button))) || null;
    } catch (error) {
      return null;
    }
  }

  function elapsedMinutes(state) {
    return Math.max(1, Math.ceil((Date.now() - state.started) / 60000));
  }

  function asDuration(minutes) {
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (!hours) return rest + "m";
    return hours + "h" + (rest < 10 ? "0" : "") + rest;
  }

  function showTimer(button) {
    var state = timerState(button);
    var label = button.querySelector("span");
    if (state) {
      var seconds = Math.floor((Date.now() - state.started) / 1000);
      var clock = Math.floor(seconds / 60) + ":" + ("0" + (seconds % 60)).slice(-2);
      label.textContent = button.dataset.labelStop + " (" + clock + ")";
      button.setAttribute("aria-pressed", "true");
    } else {
      label.textContent = button.dataset.labelStart;
      button.setAttribute("aria-pressed", "false");
    }
  }

  function stopTimer(button) {
    var state = timerState(button);
    if (!state) return;
    var field = document.getElementById(button.dataset.timerFor);
    if (field) field.value = asDuration(elapsedMinutes(state));
    window.localStorage.removeItem(timerKey(button));
    showTimer(button);
  }

  function setUpTimers(root) {
    root.querySelectorAll("button[data-timer]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        if (timerState(button)) {
          stopTimer(button);
        } else {
          window.localStorage.setItem(timerKey(button), JSON.stringify({ started: Date.now() }));
          showTimer(button);
        }
      });
      // Sending while the timer runs logs its time, unless the agent typed one.
      if (button.form) {
        button.form.addEventListener("submit", function () {
          var field = document.getElementById(button.dataset.timerFor);
          if (timerState(button) && field && !field.value.trim()) stopTimer(button);
        });
      }
      showTimer(button);
      window.setInterval(function () { if (timerState(button)) showTimer(button); }, 1000);
    });
  }

  // A canned reply chosen in the composer: the server sends its filled-in text in
  // a hidden <textarea data-canned-insert-into>; it goes in at the cursor, to be
  // edited before sending.
  function insertCannedReplies(root) {
    var selector = "textarea[data-canned-insert-into]";
    var sources = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) sources.unshift(root);
    sources.forEach(function (source) {
      var field = document.getElementById(source.dataset.cannedInsertInto);
      var text = source.value;
      source.remove();
      if (!field) return;
      var start = field.selectionStart, end = field.selectionEnd;
      if (typeof start !== "number" || document.activeElement !== field && !field.value) {
        start = end = field.value.length;
      }
      field.value = field.value.slice(0, start) + text + field.value.slice(end);
      field.focus();
      field.selectionStart = field.selectionEnd = start + text.length;
    });
  }

  document.addEventListener("htmx:load", function (event) { insertCannedReplies(event.target); });
  document.addEventListener("DOMContentLoaded", function () { setUpTimers(document); });
  document.addEventListener("DOMContentLoaded", function () { setUpDropZones(document); });
  document.addEventListener("htmx:load", function (event) { setUpDropZones(event.target); });

  // Presence on the desk ticket page (desk/_ticket_presence.html): each poll says
  // whether the composer's text was edited in the last 20 s, and the first keystroke after
  // a pause polls at once. An answer that changes nothing is not swapped in (screen
  // readers would hear it every 15 s), nor one that is not the presence list (a
  // sign-in page after the session ended).
  function setUpPresence() {
    var typingFor = 20000, lastEdit = 0;
    document.addEventListener("input", function (event) {
      var area = document.querySelector("[data-presence]");
      if (!area || !event.target.matches || !event.target.matches("form.composer textarea")) return;
      if (Date.now() - lastEdit > typingFor && window.htmx) window.htmx.trigger(area, "presence-typing");
      lastEdit = Date.now();
    });
    document.addEventListener("htmx:configRequest", function (event) {
      if (!event.detail.elt.matches("[data-presence]")) return;
      event.detail.parameters.typing = Date.now() - lastEdit < typingFor ? "on" : "";
    });
    document.addEventListener("htmx:beforeSwap", function (event) {
      var area = event.detail.target;
      if (!area.matches("[data-presence]") || !event.detail.shouldSwap) return;
      var answer = document.createElement("template");
      answer.innerHTML = event.detail.serverResponse;
      var list = answer.content.querySelector("[data-presence-list]");
      if (!list || answer.innerHTML.trim() === area.innerHTML.trim()) event.detail.shouldSwap = false;
    });
  }

  setUpPresence();

  // The queue's "Select all on this page" (desk/queue.html): the server applies a bulk
  // action to every row shown when it is ticked; ticking the rows too shows it.
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (all.id !== "bulk-all" || !all.form) return;
    all.form.querySelectorAll("input[type=checkbox][name=ticket]").forEach(function (box) {
      box.checked = all.checked;
    });
  });

  // An autocomplete (the queue's organization filter, desk/queue.html): a text box (role
  // combobox) whose suggestions htmx fetches as one types (a listbox, swapped in whole;
  // `hx-params="none"`: only the box's text, as `name`; `hx-push-url="false"`: the
  // form's own push would otherwise be inherited and put the suggestions' URL in the
  // address bar). Choosing one puts its value in
  // the hidden field the form sends (the box's data-combobox names it) and tells the
  // form (a change event); emptying the box clears it. The box has no name: its text
  // is never sent with the form, and its own change events stop at it (the form
  // reacts to a choice, not to typing). Keys as WAI-ARIA's combobox pattern: Down and
  // Up open the list and move in it, Enter chooses, Escape closes; leaving the box
  // puts the chosen name back.
  function isCombobox(element) { return element && element.matches && element.matches("[data-combobox]"); }
  function comboboxList(box) { return document.getElementById(box.getAttribute("aria-controls")); }

  function comboboxOptions(box) {
    var list = comboboxList(box);
    if (!list || list.hidden) return [];
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }

  function comboboxActivate(box, option) {
    var list = comboboxList(box);
    if (list) {
      list.querySelectorAll("[role=option]").forEach(function (other) {
        other.classList.toggle("active", other === option);
        other.setAttribute("aria-selected", other === option ? "true" : "false");
      });
    }
    if (option) {
      box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  function comboboxShow(box, open) {
    var list = comboboxList(box);
    if (list) list.hidden = !open || !list.querySelector("[role=option]");
    box.setAttribute("aria-expanded", list && !list.hidden ? "true" : "false");
    if (!open) comboboxActivate(box, null);
  }

  function comboboxChoose(box, value, name) {
    var field = document.getElementById(box.dataset.combobox);
    // A suggestion still on its way would open the list again over the choice.
    if (window.htmx) window.htmx.trigger(box, "htmx:abort");
    box.value = name;
    box.dataset.chosen = name;
    comboboxShow(box, false);
    if (!field || field.value === value) return;
    field.value = value;
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("change", function (event) {
    if (isCombobox(event.target)) event.stopPropagation();
  }, true);
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (isCombobox(box) && !box.value.trim()) comboboxChoose(box, "", "");
  });
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!isCombobox(box)) return;
    var options = comboboxOptions(box);
    var active = options.filter(function (option) { return option.classList.contains("active"); })[0];
    var at = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!options.length) {
        if (window.htmx && box.value.trim()) window.htmx.trigger(box, "combobox-open");
        return;
      }
      var next = event.key === "ArrowDown" ? (at + 1) % options.length : (at <= 0 ? options.length : at) - 1;
      comboboxActivate(box, options[next]);
    } else if (event.key === "Enter" && active) {
      event.preventDefault();
      comboboxChoose(box, active.dataset.value, active.textContent.trim());
    } else if (event.key === "Escape" && box.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      comboboxShow(box, false);
    }
  });
  document.addEventListener("focusout", function (event) {
    var box = event.target;
    if (!isCombobox(box)) return;
    comboboxShow(box, false);
    box.value = box.dataset.chosen || "";
  });
  function comboboxOf(option) {
    var list = option && option.closest("[role=listbox]");
    var box = list && list.id && document.querySelector("[aria-controls='" + list.id + "']");
    return isCombobox(box) ? box : null;
  }
  document.addEventListener("mousedown", function (event) {
    // The box keeps the focus (its list would close) while an option is clicked.
    if (event.target.closest && comboboxOf(event.target.closest("[role=option]"))) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[role=option][data-value]");
    var box = comboboxOf(option);
    if (box) comboboxChoose(box, option.dataset.value, option.textContent.trim());
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (isCombobox(event.detail.elt)) event.detail.parameters.name = event.detail.elt.value;
  });
  document.addEventListener("htmx:load", function (event) {
    // A list of suggestions swapped in: shown if its box still has the focus.
    var list = event.target;
    if (!list.matches || !list.matches("[role=listbox]") || !list.id) return;
    var box = document.querySelector("[aria-controls='" + list.id + "']");
    if (isCombobox(box)) comboboxShow(box, document.activeElement === box);
  });

  // Tables on a phone (static/css/ecmp.css, .table-stack): a table with a header row of
  // three columns or more is shown as stacked rows below 992 px; each cell is labelled
  // with its column's heading (data-label), rows added by htmx too. `.table-keep` keeps a
  // table as it is.
  function columnHeadings(head) {
    var grid = [];  // grid[row][column]: the heading covering that place, rowspan and colspan followed
    Array.prototype.forEach.call(head ? head.rows : [], function (row, r) {
      grid[r] = grid[r] || [];
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (grid[r][column]) column++;
        for (var down = 0; down < (cell.rowSpan || 1); down++) {
          grid[r + down] = grid[r + down] || [];
          for (var across = 0; across < (cell.colSpan || 1); across++) grid[r + down][column + across] = cell;
        }
        column += cell.colSpan || 1;
      });
    });
    var labels = [];
    (grid[grid.length - 1] || []).forEach(function (cell, column) {
      var parts = [];
      grid.forEach(function (row) {
        var text = row[column] && row[column].textContent.trim();
        if (text && parts.indexOf(text) < 0) parts.push(text);
      });
      labels[column] = parts.join(" · ");
    });
    return labels;
  }

  function stackTables(root) {
    root.querySelectorAll("main table:not(.table-keep)").forEach(function (table) {
      var labels = columnHeadings(table.tHead);
      if (labels.length < 3) return;
      table.classList.add("table-stack");
      var sections = Array.prototype.slice.call(table.tBodies).concat(table.tFoot ? [table.tFoot] : []);
      sections.forEach(function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var span = cell.colSpan || 1;
            if (span === 1 && labels[column] && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", labels[column]);
            }
            column += span;
          });
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { stackTables(document); });
  document.addEventListener("htmx:load", function () { stackTables(document); });
})();
